# Fixture: every value is fake.
locals {
  common_env = {
    LOG_LEVEL     = "info"
    SHARED_SECRET = "FAKEsharedSecretEXAMPLE0001"
  }
}

resource "aws_lambda_function" "api" {
  function_name = "orders-api"
  role          = aws_iam_role.lambda.arn

  environment {
    variables = {
      DB_PASSWORD       = var.db_password
      GITHUB_TOKEN      = "ghp_FAKEEXAMPLE0000000000000000000000000"
      "QUOTED_KEY"      = "quoted-key-value"
      TABLE_NAME        = aws_dynamodb_table.orders.name
      API_URL           = "https://${var.domain}/v1"
      WRAPPED           = "${local.api_key}"
      FROM_DATA         = data.aws_ssm_parameter.key.value
      FROM_MODULE       = module.secrets.api_key
      ENCODED           = base64encode("not-literal-by-rule")
      CHOSEN            = var.prod ? "a" : "b"
      ESCAPED_TEMPLATE  = "literal $${NOT_INTERPOLATED}"
      MAX_CONNECTIONS   = 25
      DEBUG             = false
      UNSET             = null
      KEYVAULT_STYLE    = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x/)"
      PRIVATE_KEY       = <<-EOT
        -----BEGIN FAKE KEY-----
        FAKEKEYMATERIALEXAMPLE
        -----END FAKE KEY-----
      EOT
    }
  }
}

resource "aws_lambda_function" "worker" {
  function_name = "orders-worker"

  dynamic "environment" {
    for_each = var.enabled ? [1] : []
    content {
      variables = merge(local.common_env, {
        WORKER_TOKEN = "FAKEworkerTokenEXAMPLE0001"
      })
    }
  }
}

resource "google_cloudfunctions_function" "gen1" {
  name = "gen1"
  environment_variables = {
    GEN1_API_KEY = "AIzaFAKEEXAMPLE00000000000000000000000"
  }
  build_environment_variables = {
    NPM_TOKEN = "npm_FAKEEXAMPLE000000000000000000000000"
  }
  secret_environment_variables {
    key     = "GEN1_DB_PASSWORD"
    secret  = google_secret_manager_secret.db.secret_id
    version = "latest"
  }
}

resource "google_cloudfunctions2_function" "gen2" {
  name = "gen2"
  build_config {
    environment_variables = {
      BUILD_FLAG = "on"
    }
  }
  service_config {
    environment_variables = {
      GEN2_SECRET_NAME = "projects/acme-prod/secrets/gen2-key/versions/3"
      GEN2_LITERAL     = "FAKEgen2LiteralEXAMPLE"
    }
    secret_environment_variables {
      key        = "GEN2_DB_PASSWORD"
      project_id = var.project
      secret     = "gen2-db-password"
      version    = "latest"
    }
  }
}

resource "azurerm_linux_function_app" "fn" {
  name = "orders-fn"
  app_settings = {
    "FUNCTIONS_WORKER_RUNTIME" = "node"
    STORAGE_KEY                = "FAKEstorageKeyEXAMPLE=="
    VAULT_REF                  = "@Microsoft.KeyVault(VaultName=orders-kv;SecretName=db-pass)"
  }
  connection_string {
    name  = "OrdersDb"
    type  = "SQLAzure"
    value = "Server=tcp:orders.database.windows.net;Password=FAKEpasswordEXAMPLE;"
  }
  connection_string {
    name  = "Cache"
    type  = "Custom"
    value = azurerm_redis_cache.cache.primary_connection_string
  }
}

resource "google_cloud_run_v2_service" "svc" {
  name = "svc"
  template {
    containers {
      image = "gcr.io/acme/svc"
      env {
        name  = "RUN_LITERAL"
        value = "FAKErunLiteralEXAMPLE"
      }
      env {
        name = "RUN_SECRET"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.run.secret_id
            version = "latest"
          }
        }
      }
    }
  }
}

resource "aws_s3_bucket" "not_a_function" {
  bucket = "orders"
  tags = {
    SECRET_LOOKING = "not-an-env-var"
  }
}

module "lambda" {
  source = "terraform-aws-modules/lambda/aws"
  environment_variables = {
    MODULE_TOKEN = "FAKEmoduleTokenEXAMPLE"
    MODULE_REF   = var.module_ref
  }
}
