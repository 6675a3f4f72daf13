"""reports: a small Lambda handler that touches the libraries it ships with."""
import json
import os

import boto3
import yaml

s3 = boto3.client("s3")


def lambda_handler(event, context):
    key = event.get("key")
    if not key:
        return {"statusCode": 400, "body": json.dumps({"error": "missing key"})}
    obj = s3.get_object(Bucket=os.environ["REPORTS_BUCKET"], Key=key)
    report = yaml.safe_load(obj["Body"].read())
    return {"statusCode": 200, "body": json.dumps({"sections": len(report or {})})}
