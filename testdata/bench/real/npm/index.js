// orders-api: a small Lambda handler that touches the libraries it ships with.
'use strict';
const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, GetCommand } = require('@aws-sdk/lib-dynamodb');
const _ = require('lodash');
const moment = require('moment');

const s3 = new S3Client({});
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));

exports.handler = async (event) => {
  const id = _.get(event, 'pathParameters.id');
  if (!id) {
    return { statusCode: 400, body: JSON.stringify({ error: 'missing id' }) };
  }
  const { Item } = await ddb.send(new GetCommand({ TableName: process.env.ORDERS_TABLE, Key: { id } }));
  if (!Item) {
    return { statusCode: 404, body: JSON.stringify({ error: 'not found' }) };
  }
  if (Item.invoiceKey) {
    await s3.send(new GetObjectCommand({ Bucket: process.env.INVOICE_BUCKET, Key: Item.invoiceKey }));
  }
  return { statusCode: 200, body: JSON.stringify({ ...Item, fetchedAt: moment().toISOString() }) };
};
