resource "aws_lambda_function" "thumbnail" {
  function_name = "thumbnail"
  role          = aws_iam_role.thumbnail.arn
  handler       = "main"
  runtime       = "provided.al2023"
}

resource "aws_lambda_permission" "uploads" {
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.thumbnail.arn
  principal      = "s3.amazonaws.com"
  source_arn     = "arn:aws:s3:::${var.bucket}"
  source_account = data.aws_caller_identity.current.account_id
}
