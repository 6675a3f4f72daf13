package permissions

import (
	"sync"

	"github.com/shipcheck/shipcheck/secrets/envconfig"
)

// probes are the smallest templates of each format that deploy a
// function: a reader that refuses its probe does not read the format.
var probes = map[envconfig.Format]struct{ path, content string }{
	envconfig.CloudFormation: {"template.yaml", `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
      CodeUri: .
`},
	envconfig.Serverless: {"serverless.yml", `service: probe
provider:
  name: aws
  runtime: nodejs20.x
functions:
  fn:
    handler: index.handler
`},
	envconfig.Terraform: {"main.tf", `resource "aws_lambda_function" "fn" {
  function_name = "fn"
  role          = "arn:aws:iam::123456789012:role/fn"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "fn.zip"
}
`},
}

var reads sync.Map // envconfig.Format -> bool

// Reads reports whether this build reads the format's templates: its
// reader accepts the smallest template of the format. While the format
// readers are being written, a placeholder refuses every template; scan
// leaves the templates of a format it does not read out, rather than
// report every artifact that ships one as read only in part, and reads
// them as soon as the reader lands, with nothing else to change. A real
// reader that fails on a template is a problem of that template.
func Reads(format envconfig.Format) bool {
	if v, ok := reads.Load(format); ok {
		return v.(bool)
	}
	p, ok := probes[format]
	ok = ok && func() bool {
		_, err := Parse(p.path, format, []byte(p.content))
		return err == nil
	}()
	reads.Store(format, ok)
	return ok
}
