# Less common ways to write the same things: names and ARNs instead of
# references, a one-line JSON string, dynamic statements, documents built
# from documents, an exclusive attachment, an alias, a document in a file.

variable "reports_bucket" {
  default = "arn:aws:s3:::acme-reports"
}

resource "aws_lambda_function" "reports" {
  function_name = "reports-daily"
  role          = "arn:aws:iam::123456789012:role/service/reports"
}

resource "aws_iam_role" "reports" {
  name               = "reports"
  path               = "/service/"
  assume_role_policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"}}]}"
}

resource "aws_iam_role_policy" "reports_write" {
  role   = "reports"
  policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:PutObject\"],\"Resource\":\"arn:aws:s3:::acme-reports/*\"}]}"
}

data "aws_iam_policy_document" "base" {
  statement {
    sid       = "ReadConfig"
    actions   = ["ssm:GetParameter"]
    resources = ["arn:aws:ssm:us-east-1:123456789012:parameter/reports/*"]
  }
}

data "aws_iam_policy_document" "reports_read" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]

  dynamic "statement" {
    for_each = var.extra_buckets
    content {
      actions   = ["s3:GetObject"]
      resources = ["${statement.value}/*"]
    }
  }

  statement {
    actions   = ["s3:ListBucket"]
    resources = [var.reports_bucket]
  }
}

resource "aws_iam_role_policy" "reports_read" {
  role   = aws_iam_role.reports.name
  policy = data.aws_iam_policy_document.reports_read.json
}

data "aws_iam_policy" "xray" {
  arn = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
}

resource "aws_iam_role_policy_attachments_exclusive" "reports" {
  role_name = aws_iam_role.reports.name
  policy_arns = [
    data.aws_iam_policy.xray.arn,
    var.boundary_policy_arn,
  ]
}

resource "aws_lambda_permission" "org" {
  action           = "lambda:InvokeFunction"
  function_name    = aws_lambda_function.reports.function_name
  principal        = "*"
  principal_org_id = "o-a1b2c3d4e5"
}

resource "aws_lambda_permission" "partners" {
  for_each      = toset(["111111111111", "222222222222"])
  action        = "lambda:InvokeFunction"
  function_name = "arn:aws:lambda:us-east-1:123456789012:function:reports-daily"
  principal     = each.value
}

resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.reports.function_name
  function_version = "1"
}

resource "aws_lambda_permission" "live" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_alias.live.arn
  qualifier     = aws_lambda_alias.live.name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.reports.arn
}

resource "aws_iam_policy" "from_file" {
  policy = file("${path.module}/policies/reports.json")
}

resource "aws_iam_role_policy_attachment" "from_file" {
  role       = aws_iam_role.reports.name
  policy_arn = aws_iam_policy.from_file.arn
}
