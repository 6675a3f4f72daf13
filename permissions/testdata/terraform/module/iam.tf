resource "aws_iam_role" "thumbnail" {
  name               = "thumbnail"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

resource "aws_iam_role_policy" "thumbnail" {
  role = aws_iam_role.thumbnail.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject"]
      Resource = local.objects
    }]
  })
}

resource "aws_iam_role_policy_attachment" "thumbnail_logs" {
  role       = aws_iam_role.thumbnail.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}
