package envconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// v is one expected variable; scoped gives a run of them a scope.
type v struct {
	line        int
	name, value string
	lit         bool
}

func scoped(scope string, vs ...v) []Variable {
	out := make([]Variable, len(vs))
	for i, x := range vs {
		out[i] = Variable{Name: x.name, Value: x.value, Literal: x.lit, Line: x.line, Scope: scope}
	}
	return out
}

func concat(groups ...[]Variable) []Variable {
	var out []Variable
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

const (
	ref = false
	lit = true
)

// TestParseFixtures parses one realistic file per format (testdata/) and
// compares every variable: name, value, literal or reference, line, scope.
func TestParseFixtures(t *testing.T) {
	const (
		orders  = "Resources.OrdersFunction.Properties.Environment.Variables"
		billing = "Resources.BillingFunction.Properties.Environment.Variables"
		cdk     = "Resources.ApiHandler5E7490E8.Properties.Environment.Variables"
		api     = "aws_lambda_function.api environment.variables"
		worker  = "aws_lambda_function.worker environment.variables"
		gen1    = "google_cloudfunctions_function.gen1 "
		gen2    = "google_cloudfunctions2_function.gen2 "
		azfn    = "azurerm_linux_function_app.fn "
	)
	tests := []struct {
		file   string
		format Format
		want   []Variable
	}{
		{"template.yaml", CloudFormation, concat(
			scoped("Globals.Function.Environment.Variables",
				v{20, "LOG_LEVEL", "info", lit},
				v{21, "SENTRY_DSN", "https://0123456789abcdef0123456789abcdef@o000000.ingest.sentry.io/0000000", lit}),
			scoped(orders,
				v{30, "DB_PASSWORD", "!Ref DbPassword", ref},
				v{31, "DB_PASSWORD_SM", "{{resolve:secretsmanager:prod/orders/db:SecretString:password}}", ref},
				v{32, "STRIPE_KEY", "{{resolve:ssm-secure:/orders/stripe-key:3}}", ref},
				v{33, "TABLE_NAME", "{{resolve:ssm:/orders/table-name}}", ref},
				v{34, "QUEUE_URL", "!GetAtt OrdersQueue.QueueUrl", ref},
				v{35, "SHARED_TOKEN", "!ImportValue shared-token-export", ref},
				v{36, "BUCKET_ARN", `!Sub "arn:${AWS::Partition}:s3:::${OrdersBucket}"`, ref},
				v{37, "STATIC_SUB", "no-substitution-here", lit},
				v{38, "ESCAPED_SUB", "literal-${NotAVariable}", lit},
				v{39, "JOINED", `!Join ["", [https://, !Ref ApiDomain, /v1]]`, ref},
				v{40, "FIRST_AZ", `!Select [0, !GetAZs ""]`, ref},
				v{41, "MODE", "!If [IsProd, live, test]", ref},
				v{42, "REGION_BUCKET", "!FindInMap [RegionMap, !Ref AWS::Region, Bucket]", ref},
				v{43, "ENCODED", "!Base64 plain-text-fixture", ref},
				v{44, "PARTS", `!Split [",", "a,b"]`, ref},
				v{45, "SUBNETS", "!Cidr [10.0.0.0/16, 4, 8]", ref},
				v{46, "TRANSFORMED", "!Transform {Name: AWS::Include, Parameters: {Location: s3://bucket/x.yaml}}", ref},
				v{47, "LONG_REF", "{Ref: DbPassword}", ref},
				v{48, "LONG_GETATT", "{Fn::GetAtt: [OrdersQueue, Arn]}", ref},
				v{49, "LONG_SUB_LITERAL", "also-no-substitution", lit},
				v{50, "LONG_SUB_VAR", `{Fn::Sub: "${AWS::StackName}-orders"}`, ref},
				v{51, "JWT_SECRET", "FAKEjwtSecretEXAMPLE0123456789abcdefXYZ", lit},
				v{52, "MAX_RETRIES", "3", lit},
				v{53, "FEATURE_FLAG", "true", lit},
				v{54, "EMPTY_VALUE", "", lit},
				v{55, "LEGACY_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/legacy-AbCdEf", ref}),
			scoped(billing,
				v{64, "BILLING_API_KEY", "FAKEbillingKeyEXAMPLEprod000", lit},
				v{66, "BILLING_API_KEY", "FAKEbillingKeyEXAMPLEtest000", lit}),
		)},
		{"template.json", CloudFormation, scoped(cdk,
			v{9, "TABLE_NAME", "{Ref: OrdersTable}", ref},
			v{10, "QUEUE_ARN", "{Fn::GetAtt: [Queue4A7E3555, Arn]}", ref},
			v{11, "ENDPOINT", `{Fn::Join: ["", [https://, {Ref: Domain}]]}`, ref},
			v{12, "STATIC", "static-value", lit},
			v{13, "API_TOKEN", "FAKEapiTokenEXAMPLE\u00e9/0001", lit},
			v{14, "PORT", "8080", lit},
		)},
		{"serverless.yml", Serverless, concat(
			scoped("provider.environment",
				v{6, "COMMON_FLAG", "enabled", lit}, // through the <<: *common merge
				v{7, "COMMON_SECRET", "FAKEcommonSecretEXAMPLE42", lit},
				v{14, "APP_KEY", "${ssm:/reports/app-key}", ref},
				v{15, "API_KEY", "${env:API_KEY}", ref},
				v{16, "STAGE", "${opt:stage, 'dev'}", ref},
				v{17, "SERVICE_NAME", "${self:service}", ref},
				v{18, "FROM_FILE", "${file(./config.${opt:stage}.json):dbPassword}", ref},
				v{19, "STACK_OUTPUT", "${cf:network-prod.VpcId}", ref},
				v{20, "S3_VALUE", "${s3:reports-config/keys.txt}", ref},
				v{21, "ACCOUNT", "${aws:accountId}", ref},
				v{22, "INSTANCE", "${sls:instanceId}", ref},
				v{23, "PARAM", "${param:dbPassword}", ref},
				v{24, "DATABASE_URL", "postgres://reports:${ssm:/reports/db-pass}@db.internal:5432/reports", ref},
				v{25, "QUEUE_URL", "!Ref ReportsQueue", ref},
				v{27, "TOPIC_ARN", "{Fn::GetAtt: [ReportsTopic, Arn]}", ref},
				v{28, "DYNAMIC_REF", "{{resolve:secretsmanager:reports/api:SecretString:key}}", ref},
				v{29, "SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/TFAKE0000/BFAKE0000/FAKEwebhookEXAMPLE000000", lit},
				v{30, "TIMEOUT", "30", lit}),
			scoped("functions.export.environment",
				v{36, "SENDGRID_API_KEY", "SG.FAKEsendgridEXAMPLE.FAKEsendgridEXAMPLEsecretpart0000", lit},
				v{37, "BUCKET", "${self:custom.bucket}", ref}),
		)},
		{"serverless.json", Serverless, concat(
			scoped("provider.environment",
				v{6, "STRIPE_SECRET_KEY", "FAKE_stripe_EXAMPLE_0000000000", lit},
				v{7, "DB_HOST", "${ssm:/billing/db-host}", ref}),
			scoped("functions.charge.environment", v{11, "CHARGE_TOKEN", "FAKEchargeTokenEXAMPLE", lit}),
		)},
		{"main.tf", Terraform, concat(
			scoped(worker+" via local.common_env",
				v{4, "LOG_LEVEL", "info", lit},
				v{5, "SHARED_SECRET", "FAKEsharedSecretEXAMPLE0001", lit}),
			scoped(api,
				v{15, "DB_PASSWORD", "var.db_password", ref},
				v{16, "GITHUB_TOKEN", "ghp_FAKEEXAMPLE0000000000000000000000000", lit},
				v{17, "QUOTED_KEY", "quoted-key-value", lit},
				v{18, "TABLE_NAME", "aws_dynamodb_table.orders.name", ref},
				v{19, "API_URL", `"https://${var.domain}/v1"`, ref},
				v{20, "WRAPPED", `"${local.api_key}"`, ref},
				v{21, "FROM_DATA", "data.aws_ssm_parameter.key.value", ref},
				v{22, "FROM_MODULE", "module.secrets.api_key", ref},
				v{23, "ENCODED", `base64encode("not-literal-by-rule")`, ref},
				v{24, "CHOSEN", `var.prod ? "a" : "b"`, ref},
				v{25, "ESCAPED_TEMPLATE", "literal ${NOT_INTERPOLATED}", lit},
				v{26, "MAX_CONNECTIONS", "25", lit},
				v{27, "DEBUG", "false", lit},
				v{28, "UNSET", "", lit},
				v{29, "KEYVAULT_STYLE", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x/)", ref},
				v{30, "PRIVATE_KEY", "-----BEGIN FAKE KEY-----\nFAKEKEYMATERIALEXAMPLE\n-----END FAKE KEY-----\n", lit}),
			scoped(worker, v{46, "WORKER_TOKEN", "FAKEworkerTokenEXAMPLE0001", lit}),
			scoped(gen1+"environment_variables", v{55, "GEN1_API_KEY", "AIzaFAKEEXAMPLE00000000000000000000000", lit}),
			scoped(gen1+"build_environment_variables", v{58, "NPM_TOKEN", "npm_FAKEEXAMPLE000000000000000000000000", lit}),
			scoped(gen1+"secret_environment_variables", v{62, "GEN1_DB_PASSWORD", "google_secret_manager_secret.db.secret_id", ref}),
			scoped(gen2+"build_config.environment_variables", v{71, "BUILD_FLAG", "on", lit}),
			scoped(gen2+"service_config.environment_variables",
				v{76, "GEN2_SECRET_NAME", "projects/acme-prod/secrets/gen2-key/versions/3", ref},
				v{77, "GEN2_LITERAL", "FAKEgen2LiteralEXAMPLE", lit}),
			scoped(gen2+"service_config.secret_environment_variables", v{82, "GEN2_DB_PASSWORD", "gen2-db-password", ref}),
			scoped(azfn+"app_settings",
				v{91, "FUNCTIONS_WORKER_RUNTIME", "node", lit},
				v{92, "STORAGE_KEY", "FAKEstorageKeyEXAMPLE==", lit},
				v{93, "VAULT_REF", "@Microsoft.KeyVault(VaultName=orders-kv;SecretName=db-pass)", ref}),
			scoped(azfn+"connection_string",
				v{98, "OrdersDb", "Server=tcp:orders.database.windows.net;Password=FAKEpasswordEXAMPLE;", lit},
				v{103, "Cache", "azurerm_redis_cache.cache.primary_connection_string", ref}),
			scoped("google_cloud_run_v2_service.svc template.containers.env",
				v{114, "RUN_LITERAL", "FAKErunLiteralEXAMPLE", lit},
				v{118, "RUN_SECRET", `value_source { secret_key_ref { secret = google_secret_manager_secret.run.secret_id version = "latest" } }`, ref}),
			scoped("module.lambda environment_variables",
				v{139, "MODULE_TOKEN", "FAKEmoduleTokenEXAMPLE", lit},
				v{140, "MODULE_REF", "var.module_ref", ref}),
		)},
		{"lambda.tf.json", Terraform, concat(
			scoped("aws_lambda_function.json_fn environment.variables",
				v{8, "JSON_LITERAL", "FAKEjsonLiteralEXAMPLE", lit},
				v{9, "JSON_REF", "${var.secret}", ref},
				v{10, "JSON_ESCAPED", "${HOME}", lit},
				v{11, "JSON_NUMBER", "5", lit}),
			scoped("module.mod environment_variables", v{20, "MOD_VAR", "mod-value", lit}),
		)},
		{"production.env", Dotenv, scoped("",
			v{2, "STRIPE_SECRET_KEY", "sk_test_FAKEEXAMPLE000000000000000000", lit},
			v{3, "ADMIN_PASSWORD", "FAKE p@ss\"word\nline2", lit},
			v{4, "SINGLE", `raw $NOT_EXPANDED \n kept`, lit},
			v{5, "WITH_COMMENT", "value-before-comment", lit},
			v{6, "INDENTED", "indented-value", lit},
			v{7, "YAML_STYLE", "colon-value", lit},
			v{8, "DB_URL", "postgres://app:FAKEpw$SUFFIX@db/app", lit}, // not expanded
			v{9, "REF_BRACES", "${DB_PASSWORD}", ref},
			v{10, "REF_PLAIN", "$DB_PASSWORD", ref},
			v{11, "REF_DEFAULT", "${API_KEY:-fallback}", ref},
			v{12, "REF_COMMAND", "$(cat /run/secrets/token)", ref},
			v{13, "EMPTY_TOKEN", "", lit},
			v{14, "EMPTY_QUOTED", "", lit},
			v{15, "PEM", "-----BEGIN FAKE KEY-----\nFAKEKEYMATERIALEXAMPLE\n-----END FAKE KEY-----", lit},
			v{18, "AFTER_PEM", "after", lit},
			v{19, "SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/api-AbCdEf", ref},
		)},
		{"gcf.env.yaml", EnvYAML, scoped("",
			v{2, "GCP_PROJECT", "acme-analytics-prod", lit},
			v{3, "DB_PASSWORD", "FAKE-db-password-EXAMPLE%42", lit},
			v{4, "API_SECRET", "projects/acme-prod/secrets/api-key/versions/latest", ref},
			v{5, "SHORT_SECRET", "projects/acme-prod/secrets/short-key", ref},
			v{6, "SPRING_SECRET", "sm://acme-prod/spring-key", ref},
			v{7, "PORT", "8080", lit},
			v{8, "ENABLED", "true", lit},
			v{9, "NOTHING", "", lit},
			v{10, "MULTILINE", "first line\nsecond line\n", lit},
		)},
		{"local.settings.json", AzureSettings, concat(
			scoped("Values",
				v{4, "FUNCTIONS_WORKER_RUNTIME", "dotnet-isolated", lit},
				v{5, "AzureWebJobsStorage", "DefaultEndpointsProtocol=https;AccountName=fakeacct;AccountKey=FAKEaccountKeyEXAMPLE0000000000==;EndpointSuffix=core.windows.net", lit},
				v{6, "TabIndented", "tabs are fine in JSON", lit},
				v{7, "DbPassword", "@Microsoft.KeyVault(SecretUri=https://orders-kv.vault.azure.net/secrets/db-pass/)", ref},
				v{8, "FeatureConfig", "@Microsoft.AppConfiguration(Endpoint=https://orders.azconfig.io; Key=feature)", ref}),
			scoped("ConnectionStrings",
				v{11, "OrdersDb", "Server=tcp:orders.database.windows.net;Password=FAKEpasswordEXAMPLE;", lit},
				v{12, "Legacy", "Data Source=legacy;Password=FAKElegacyEXAMPLE", lit}),
		)},
		{"get-function-configuration.json", LambdaConfig, scoped("Environment.Variables",
			v{7, "OPENAI_API_KEY", "sk-proj-FAKEEXAMPLE000000000000000000000000", lit},
			v{8, "TEMPLATE_LOOKING", "${ssm:/not/resolved/here}", lit}, // deployed state: nothing resolves it
			v{9, "SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-AbCdEf", ref},
			v{10, "NODE_ENV", "production", lit},
		)},
		{"get-function.json", LambdaConfig, scoped("Configuration.Environment.Variables",
			v{6, "BILLING_TOKEN", "FAKEbillingTokenEXAMPLE", lit},
		)},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := Detect(tc.file, b); got != tc.format {
				t.Errorf("Detect = %q, want %q", got, tc.format)
			}
			got, err := Parse(tc.format, b)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
			// The line of every value holds its start, as written.
			lines := strings.Split(string(b), "\n")
			for _, x := range got {
				if x.Line < 1 || x.Line > len(lines) {
					t.Errorf("%s: line %d out of range", x.Name, x.Line)
				}
			}
		})
	}
}
