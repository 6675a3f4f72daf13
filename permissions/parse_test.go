package permissions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/shipcheck/shipcheck/secrets/envconfig"
)

// Positions in the wants below leave File out; checkFiles asserts it.
var ignoreFile = cmpopts.IgnoreFields(Position{}, "File")

func at(line int) Position { return Position{Line: line} }

// stmt builds an Allow or Deny statement with actions and resources.
func stmt(line int, source, effect string, actions, resources []string) Statement {
	return Statement{Position: at(line), Source: source, Effect: effect, Actions: actions, Resources: resources}
}

func strs(s ...string) []string { return s }

// checkFiles asserts that every position names the file parsed.
func checkFiles(t *testing.T, tm *Template) {
	t.Helper()
	for _, fn := range tm.Functions {
		ps := []Position{fn.Position}
		for _, s := range fn.Statements {
			ps = append(ps, s.Position)
		}
		for _, m := range fn.Managed {
			ps = append(ps, m.Position)
		}
		for _, p := range fn.Invokers {
			ps = append(ps, p.Position)
		}
		if fn.URL != nil {
			ps = append(ps, fn.URL.Position)
		}
		for _, p := range ps {
			if p.File != tm.Path {
				t.Errorf("%s: position %+v names another file than %s", fn.Name, p, tm.Path)
			}
		}
	}
}

// TestParseFiles reads realistic multi-function templates, YAML and JSON,
// and checks each function's grants, invokers and URL with their lines.
func TestParseFiles(t *testing.T) {
	const (
		readOrders   = "inline policy ReadOrders of ReportsRole"
		writeExports = "inline policy WriteExports of ReportsRole"
		ordersPub    = "managed policy OrdersPublishPolicy"
		invoices     = "inline policy invoices of InvoiceRole"
		adminIf      = "inline policy admin of InvoiceRole"
		billingRead  = "managed policy BillingReadPolicy"
	)
	ordersPublish := stmt(135, ordersPub, "Allow", strs("sns:Publish"), strs("!Ref OrdersTopic"))
	invoiceStatements := []Statement{
		stmt(26, invoices, "Allow", strs("dynamodb:PutItem", "dynamodb:UpdateItem"), strs("!GetAtt InvoiceTable.Arn")),
		{Position: at(31), Source: invoices, Effect: "Allow", Actions: strs("kms:Decrypt"),
			Resources: strs("arn:aws:kms:${AWS::Region}:${AWS::AccountId}:key/${KeyId}"), Conditioned: true},
		// Only when UseSharedRole: both branches of the Fn::If are read,
		// and the other one is AWS::NoValue.
		stmt(42, adminIf, "Allow", strs("*"), strs("*")),
		// Attached both by ManagedPolicyArns and by its Roles: once.
		stmt(54, billingRead, "Allow", strs("s3:GetObject"), strs("arn:aws:s3:::billing-archive/*")),
	}
	invoiceManaged := []ManagedPolicy{{Position: at(17), ARN: "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}}

	slsProvider := []Statement{
		stmt(17, "provider.iam.role.statements[0]", "Allow", strs("dynamodb:GetItem", "dynamodb:Query"),
			strs("arn:aws:dynamodb:${self:provider.region}:*:table/${self:custom.tableName}")),
		stmt(22, "provider.iam.role.statements[1]", "Allow", strs("s3:GetObject"),
			strs(`{Fn::Join: ["", [arn:aws:s3:::, {Ref: ImagesBucket}, /*]]}`)),
	}
	xray := []ManagedPolicy{{Position: at(27), ARN: "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"}}

	mailerProvider := Statement{Position: at(11), Source: "provider.iamRoleStatements[0]", Effect: "Allow",
		Actions: strs("ses:SendEmail", "ses:SendRawEmail"), Resources: strs("*"), Conditioned: true}
	insights := []ManagedPolicy{{Position: at(19), ARN: "arn:aws:iam::aws:policy/CloudWatchLambdaInsightsExecutionRolePolicy"}}

	tests := []struct {
		file   string
		format envconfig.Format
		want   []*Function
	}{
		{"orders-sam.yaml", envconfig.CloudFormation, []*Function{
			{
				Name: "OrdersApiFunction", Position: at(38),
				Statements: []Statement{
					{Position: at(46), Source: "SAM policy template DynamoDBCrudPolicy", Effect: "Allow",
						Resources: strs("!Ref OrdersTable"), PolicyTemplate: true},
					{Position: at(49), Source: "SAM inline policy (Policies[2]) of OrdersApiFunction", Effect: "Allow",
						Actions: strs("s3:PutObject", "s3:GetObject"), Resources: strs("arn:aws:s3:::${ExportBucket}/exports/*"), Conditioned: true},
					stmt(57, "SAM inline policy (Policies[2]) of OrdersApiFunction", "Allow", strs("events:PutEvents"), strs("!GetAtt OrdersBus.Arn")),
					ordersPublish,
				},
				Managed: []ManagedPolicy{
					{Position: at(45), ARN: "AWSLambdaBasicExecutionRole"},
					{Position: at(61), ARN: "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"},
				},
				// The function's own AuthType wins over Globals'.
				URL: &FunctionURL{Position: at(43), AuthType: "AWS_IAM"},
			},
			{
				// Role set: SAM ignores Policies (AdministratorAccess), and
				// the role's trust policy grants nothing.
				Name: "ReportsFunction", Position: at(63), Role: "ReportsRole",
				Statements: []Statement{
					stmt(103, readOrders, "Allow", strs("dynamodb:Query", "dynamodb:GetItem"),
						strs("!GetAtt OrdersTable.Arn", "${OrdersTable.Arn}/index/*")),
					{Position: at(108), Source: readOrders, Effect: "Deny",
						NotActions: strs("dynamodb:Query"), NotResources: strs("!GetAtt OrdersTable.Arn")},
					stmt(114, writeExports, "Allow", strs("s3:*"), strs("arn:aws:s3:::${ExportBucket}/*", "*")),
					ordersPublish,
					stmt(125, "policy ReportsExtraPolicy attached to ReportsRole", "Allow", strs("ssm:GetParameter"),
						strs("arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/reports/*")),
				},
				Managed: []ManagedPolicy{{Position: at(96), ARN: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}},
				URL:     &FunctionURL{Position: at(21), AuthType: "NONE"},
			},
			{
				Name: "WebhookFunction", Position: at(71),
				Invokers: []InvokePermission{
					{Position: at(144), Action: "lambda:InvokeFunctionUrl", Principal: "*", FunctionURLAuthType: "NONE"},
					{Position: at(152), Action: "lambda:InvokeFunction", Principal: "s3.amazonaws.com",
						SourceARN: "!GetAtt ExportBucket.Arn", SourceAccount: "!Ref AWS::AccountId"},
				},
				URL: &FunctionURL{Position: at(21), AuthType: "NONE"},
			},
			{
				// IgnoreGlobals: no URL from Globals.
				Name: "InternalFunction", Position: at(76),
				Statements: []Statement{{Position: at(82), Source: "SAM policy template SQSPollerPolicy", Effect: "Allow",
					Resources: strs("!GetAtt OrdersQueue.QueueName"), PolicyTemplate: true}},
			},
		}},
		{"billing-cfn.json", envconfig.CloudFormation, []*Function{
			{
				Name: "InvoiceFunction", Position: at(58), Role: "InvoiceRole",
				Statements: invoiceStatements, Managed: invoiceManaged,
				Invokers: []InvokePermission{{Position: at(95), Action: "lambda:InvokeFunction", Principal: "*", PrincipalOrgID: "o-a1b2c3d4e5"}},
			},
			{
				// A role chosen by Fn::If: both roles' grants count.
				Name: "StatusFunction", Position: at(66), Role: "arn:aws:iam::123456789012:role/shared-lambda | InvoiceRole",
				Statements: invoiceStatements, Managed: invoiceManaged,
				Invokers: []InvokePermission{{Position: at(86), Action: "lambda:InvokeFunctionUrl", Principal: "*", FunctionURLAuthType: "NONE"}},
				URL:      &FunctionURL{Position: at(78), AuthType: "NONE"},
			},
		}},
		{"serverless.yml", envconfig.Serverless, []*Function{
			{Name: "getProduct", Position: at(30), Statements: slsProvider, Managed: xray,
				URL: &FunctionURL{Position: at(32), AuthType: "NONE"}},
			{
				// Its own role (the plugin): its statements replace the
				// provider's; the managed policies stay.
				Name: "importer", Position: at(35),
				Statements: []Statement{stmt(38, "functions.importer.iamRoleStatements[0]", "Allow",
					strs("dynamodb:BatchWriteItem"), strs("!GetAtt CatalogTable.Arn"))},
				Managed: xray,
			},
			{
				Name: "reindex", Position: at(41),
				Statements: append(append([]Statement{}, slsProvider...), stmt(45, "functions.reindex.iamRoleStatements[0]", "Allow",
					strs("es:ESHttpPost"), strs("arn:aws:es:${aws:region}:${aws:accountId}:domain/catalog/*"))),
				Managed: xray,
				URL:     &FunctionURL{Position: at(49), AuthType: "AWS_IAM"},
			},
			{
				// role: a logical id in resources.Resources, read as
				// CloudFormation; the provider's grants are not its own.
				Name: "admin-tasks", Position: at(50), Role: "AdminRole",
				Statements: []Statement{stmt(74, "inline policy admin-logs of AdminRole", "Allow",
					strs("logs:CreateLogStream", "logs:PutLogEvents"), strs("*"))},
				Managed:  []ManagedPolicy{{Position: at(69), ARN: "arn:aws:iam::aws:policy/AdministratorAccess"}},
				Invokers: []InvokePermission{{Position: at(82), Action: "lambda:InvokeFunction", Principal: "events.amazonaws.com", SourceARN: "!GetAtt NightlyRule.Arn"}},
			},
		}},
		{"serverless.json", envconfig.Serverless, []*Function{
			{
				// defaultInherit: the provider's statements, then its own.
				Name: "send", Position: at(24),
				Statements: []Statement{mailerProvider, stmt(27, "functions.send.iamRoleStatements[0]", "Allow",
					strs("sqs:ReceiveMessage"), strs("!GetAtt OutboxQueue.Arn"))},
				Managed: insights,
			},
			{
				// iamRoleStatementsInherit: false overrides defaultInherit.
				Name: "bounce", Position: at(32),
				Statements: []Statement{{Position: at(36), Source: "functions.bounce.iamRoleStatements[0]", Effect: "Allow",
					NotActions: strs("iam:*"), Resources: strs("arn:aws:sns:us-east-1:123456789012:bounces")}},
				Managed: insights,
				URL:     &FunctionURL{Position: at(38), AuthType: "NONE"},
			},
			{Name: "digest", Position: at(42), Statements: []Statement{mailerProvider}, Managed: insights},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if f := envconfig.Detect(path, b); f != tc.format {
				t.Fatalf("Detect = %q, want %q", f, tc.format)
			}
			tm, err := Parse(path, tc.format, b)
			if err != nil {
				t.Fatal(err)
			}
			if tm.Path != path || tm.Format != tc.format {
				t.Errorf("template %s %s, want %s %s", tm.Path, tm.Format, path, tc.format)
			}
			if diff := cmp.Diff(tc.want, tm.Functions, ignoreFile); diff != "" {
				t.Errorf("functions (-want +got):\n%s", diff)
			}
			checkFiles(t, tm)
		})
	}
}

// TestParseCases checks one behaviour each on small templates.
func TestParseCases(t *testing.T) {
	tests := []struct {
		name    string
		format  envconfig.Format
		content string
		want    []*Function
		wantErr string
	}{
		{
			name: "trust policy is not a grant", format: envconfig.CloudFormation,
			content: `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: '*'}
            Action: '*'
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt [Role, Arn]
`,
			want: []*Function{{Name: "Fn", Position: at(10), Role: "Role"}},
		},
		{
			name: "SAM AssumeRolePolicyDocument is not a grant either", format: envconfig.CloudFormation,
			content: `Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: '*', Action: 'sts:AssumeRole'}]
      Policies: [{Statement: {Effect: Allow, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*'}}]
`,
			want: []*Function{{Name: "Fn", Position: at(2), Statements: []Statement{
				stmt(7, "SAM inline policy (Policies[0]) of Fn", "Allow", strs("s3:GetObject"), strs("arn:aws:s3:::b/*"))}}},
		},
		{
			name: "a role the template does not define is named as written", format: envconfig.CloudFormation,
			content: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: !ImportValue shared-lambda-role-arn
`,
			want: []*Function{{Name: "Fn", Position: at(2), Role: "!ImportValue shared-lambda-role-arn"}},
		},
		{
			name: "SAM FunctionUrlConfig without AuthType takes Globals'", format: envconfig.CloudFormation,
			content: `Globals:
  Function:
    FunctionUrlConfig:
      AuthType: NONE
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionUrlConfig:
        InvokeMode: RESPONSE_STREAM
`,
			want: []*Function{{Name: "Fn", Position: at(6), URL: &FunctionURL{Position: at(4), AuthType: "NONE"}}},
		},
		{
			name: "a URL whose AuthType is a choice is NONE if either branch is", format: envconfig.CloudFormation,
			content: `Resources:
  Fn:
    Type: AWS::Lambda::Function
  Url:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: !GetAtt Fn.Arn
      AuthType: !If [Public, NONE, AWS_IAM]
`,
			want: []*Function{{Name: "Fn", Position: at(2), URL: &FunctionURL{Position: at(8), AuthType: "NONE"}}},
		},
		{
			name: "an unknown SAM policy template grants nothing", format: envconfig.CloudFormation,
			content: `Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - MadeUpPolicy: {BucketName: b}
        - S3ReadPolicy: {BucketName: !Ref Bucket}
`,
			want: []*Function{{Name: "Fn", Position: at(2), Statements: []Statement{
				{Position: at(7), Source: "SAM policy template S3ReadPolicy", Effect: "Allow", Resources: strs("!Ref Bucket"), PolicyTemplate: true}}}},
		},
		{
			name: "long-form intrinsics read like the short ones", format: envconfig.CloudFormation,
			content: `{"Resources": {
  "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Policies": [
    {"Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage"],
      "Resource": [{"Ref": "Queue"}, {"Fn::GetAtt": "Other.Arn"}, {"Fn::Sub": ["arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:${Q}", {"Q": "x"}]},
                   {"Fn::ImportValue": "queue-arn"}]}]}]}}}}
`,
			want: []*Function{{Name: "Fn", Position: at(2), Statements: []Statement{
				stmt(3, "SAM inline policy (Policies[0]) of Fn", "Allow", strs("sqs:SendMessage"),
					strs("!Ref Queue", "!GetAtt Other.Arn", "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:${Q}", `{Fn::ImportValue: queue-arn}`))}}},
		},
		{
			name: "permissions on an alias are the function's", format: envconfig.CloudFormation,
			content: `Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      AutoPublishAlias: live
  Plain:
    Type: AWS::Lambda::Function
  PlainAlias:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Plain
  OnSamAlias:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref FnAliaslive
      Action: lambda:InvokeFunction
      Principal: sns.amazonaws.com
  OnAlias:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref PlainAlias
      Action: lambda:InvokeFunction
      Principal: '123456789012'
`,
			want: []*Function{
				{Name: "Fn", Position: at(2), Invokers: []InvokePermission{{Position: at(17), Action: "lambda:InvokeFunction", Principal: "sns.amazonaws.com"}}},
				{Name: "Plain", Position: at(6), Invokers: []InvokePermission{{Position: at(23), Action: "lambda:InvokeFunction", Principal: "123456789012"}}},
			},
		},
		{
			name: "serverless provider role by ARN is every function's", format: envconfig.Serverless,
			content: `provider:
  name: aws
  iam:
    role: arn:aws:iam::123456789012:role/shared
functions:
  a:
    handler: a.handler
`,
			want: []*Function{{Name: "a", Position: at(6), Role: "arn:aws:iam::123456789012:role/shared"}},
		},
		{
			name: "serverless v1 provider.role names a role in resources", format: envconfig.Serverless,
			content: `provider:
  name: aws
  role: LambdaRole
  iamRoleStatements:
    - Effect: Allow
      Action: '*'
      Resource: '*'
functions:
  a:
    handler: a.handler
resources:
  Resources:
    LambdaRole:
      Type: AWS::IAM::Role
      Properties:
        Policies:
          - PolicyName: p
            PolicyDocument:
              Statement:
                - {Effect: Allow, Action: 'sqs:*', Resource: !GetAtt Queue.Arn}
`,
			want: []*Function{{Name: "a", Position: at(9), Role: "LambdaRole", Statements: []Statement{
				stmt(20, "inline policy p of LambdaRole", "Allow", strs("sqs:*"), strs("!GetAtt Queue.Arn"))}}},
		},
		{
			name: "serverless function role by Fn::GetAtt", format: envconfig.Serverless,
			content: `provider:
  name: aws
functions:
  a:
    handler: a.handler
    role: {Fn::GetAtt: [ARole, Arn]}
resources:
  Resources:
    ARole:
      Type: AWS::IAM::Role
      Properties:
        ManagedPolicyArns: [arn:aws:iam::aws:policy/AmazonS3FullAccess]
`,
			want: []*Function{{Name: "a", Position: at(4), Role: "ARole",
				Managed: []ManagedPolicy{{Position: at(12), ARN: "arn:aws:iam::aws:policy/AmazonS3FullAccess"}}}},
		},
		{
			name: "empty template", format: envconfig.CloudFormation, content: "",
			want: nil,
		},
		{
			name: "a list is not a template", format: envconfig.Serverless, content: "- a\n- b\n",
			wantErr: "not a mapping",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tm, err := Parse("template", tc.format, []byte(tc.content))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "template: ") {
					t.Fatalf("error = %v, want one naming the file and containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, tm.Functions, ignoreFile); diff != "" {
				t.Errorf("functions (-want +got):\n%s", diff)
			}
			checkFiles(t, tm)
		})
	}
}

// TestIntrinsicsNeverStar: a value the template computes names what it
// computes; none reads as "*", which would be reported as a wildcard grant.
func TestIntrinsicsNeverStar(t *testing.T) {
	forms := []string{
		"!Ref Bucket", "!GetAtt Bucket.Arn", "!GetAtt [Bucket, Arn]", "!Sub '${Bucket}'", "!Sub ['${B}', {B: '*'}]",
		"!Join ['', ['*']]", "!Select [0, ['*']]", "!ImportValue star", "!FindInMap [M, K, V]", "!If [C, !Ref X, !Ref Y]",
		"{Ref: Bucket}", "{Fn::GetAtt: [Bucket, Arn]}", "{Fn::Sub: '${Bucket}'}", "{Fn::Join: ['', ['*']]}", "'${self:custom.star}'",
	}
	for _, form := range forms {
		for _, format := range []envconfig.Format{envconfig.CloudFormation, envconfig.Serverless} {
			content := `Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - Statement:
            - {Effect: Allow, Action: ` + form + `, Resource: ` + form + `}
`
			if format == envconfig.Serverless {
				content = `provider:
  iam:
    role:
      statements:
        - {Effect: Allow, Action: ` + form + `, Resource: ` + form + `}
functions:
  fn: {handler: h}
`
			}
			tm, err := Parse("t", format, []byte(content))
			if err != nil {
				t.Fatalf("%s %s: %v", format, form, err)
			}
			if len(tm.Functions) != 1 || len(tm.Functions[0].Statements) != 1 {
				t.Fatalf("%s %s: %+v", format, form, tm.Functions)
			}
			s := tm.Functions[0].Statements[0]
			if len(s.Actions) == 0 || len(s.Resources) == 0 {
				t.Errorf("%s %s: no values read: %+v", format, form, s)
			}
			for _, v := range append(s.Actions, s.Resources...) {
				if v == "*" || v == "" {
					t.Errorf("%s %s: read as %q", format, form, v)
				}
			}
		}
	}
}

// TestLambdaLogicalID follows the framework's naming of a function's
// resource, which AWS::Lambda::Permission resources in resources.Resources
// target.
func TestLambdaLogicalID(t *testing.T) {
	for name, want := range map[string]string{
		"hello":       "HelloLambdaFunction",
		"admin-tasks": "AdminDashtasksLambdaFunction",
		"send_mail":   "SendUnderscoremailLambdaFunction",
		"élan":        "ÉlanLambdaFunction",
	} {
		if got := lambdaLogicalID(name); got != want {
			t.Errorf("lambdaLogicalID(%q) = %q, want %q", name, got, want)
		}
	}
}
