# An orders service: an API function, a queue worker and a cron job, with
# each way Terraform attaches a policy to a function's role.

variable "cron_role_arn" {
  type = string
}

locals {
  log_group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/orders-api:*"
}

resource "aws_lambda_function" "api" {
  function_name = "orders-api"
  role          = aws_iam_role.api.arn
  handler       = "index.handler"
  runtime       = "nodejs20.x"
}

resource "aws_iam_role" "api" {
  name = "orders-api"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })

  inline_policy {
    name = "orders-table"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [
        {
          Effect   = "Allow"
          Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
          Resource = [aws_dynamodb_table.orders.arn, "${aws_dynamodb_table.orders.arn}/index/*"]
        },
        {
          Effect   = "Allow"
          Action   = "logs:PutLogEvents"
          Resource = local.log_group
          Condition = {
            StringEquals = { "aws:RequestedRegion" = "us-east-1" }
          }
        },
      ]
    })
  }

  managed_policy_arns = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
}

resource "aws_iam_role_policy" "api_s3" {
  name   = "read-uploads"
  role   = aws_iam_role.api.id
  policy = data.aws_iam_policy_document.read_uploads.json
}

data "aws_iam_policy_document" "read_uploads" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.uploads.arn}/*"]
  }

  statement {
    effect        = "Deny"
    not_actions   = ["s3:GetObject"]
    not_resources = [aws_s3_bucket.uploads.arn]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_lambda_permission" "api_gateway" {
  statement_id  = "AllowAPIGateway"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.orders.execution_arn}/*/*"
}

resource "aws_lambda_function" "worker" {
  count         = 1
  function_name = "orders-worker"
  role          = aws_iam_role.worker.arn
  handler       = "worker.handler"
  runtime       = "python3.12"
}

resource "aws_iam_role" "worker" {
  name               = "orders-worker"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_policy" "queue" {
  name   = "orders-queue"
  policy = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "sqs:*",
      "Resource": "${aws_sqs_queue.jobs.arn}"
    }
  ]
}
EOT
}

resource "aws_iam_role_policy_attachment" "worker_queue" {
  role       = aws_iam_role.worker.name
  policy_arn = aws_iam_policy.queue.arn
}

resource "aws_iam_role_policy_attachment" "worker_admin" {
  role       = aws_iam_role.worker.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_policy" "logs" {
  name = "orders-logs"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = {
      Effect   = "Allow"
      Action   = "logs:*"
      Resource = "*"
    }
  })
}

resource "aws_iam_policy_attachment" "logs" {
  name       = "orders-logs"
  roles      = [aws_iam_role.worker.name, aws_iam_role.api.name]
  policy_arn = aws_iam_policy.logs.arn
}

resource "aws_lambda_function_url" "worker" {
  function_name      = aws_lambda_function.worker[0].function_name
  authorization_type = "NONE"
}

resource "aws_lambda_permission" "worker_url" {
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.worker[0].arn
  principal              = "*"
  function_url_auth_type = "NONE"
}

resource "aws_lambda_function" "cron" {
  function_name = "orders-cron"
  role          = var.cron_role_arn
  handler       = "cron.handler"
  runtime       = "python3.12"
}

resource "aws_lambda_permission" "cron_events" {
  action         = "lambda:InvokeFunction"
  function_name  = "orders-cron"
  principal      = "events.amazonaws.com"
  source_arn     = aws_cloudwatch_event_rule.nightly.arn
  source_account = "123456789012"
}
