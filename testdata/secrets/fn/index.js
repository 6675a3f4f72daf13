'use strict';
// The handler.
const stripe = require('stripe')('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');
const region = process.env.AWS_REGION;
const apiKey = process.env.API_KEY;
exports.handler = async () => ({ statusCode: 200 });
