variable "bucket" {
  type    = string
  default = "acme-thumbnails"
}

locals {
  objects = "arn:aws:s3:::acme-thumbnails/*"
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}
