// @acme/billing-api: a small Lambda handler that touches the libraries it ships with.
'use strict';
const Stripe = require('stripe');
const { Pool } = require('pg');
const { format } = require('date-fns');
const winston = require('winston');

const logger = winston.createLogger({ transports: [new winston.transports.Console()] });
const stripe = Stripe(process.env.STRIPE_API_KEY);
const pool = new Pool({ connectionString: process.env.DATABASE_URL });

exports.handler = async (event) => {
  const body = JSON.parse(event.body || '{}');
  if (!body.customerId || !body.amount) {
    return { statusCode: 400, body: JSON.stringify({ error: 'customerId and amount are required' }) };
  }
  const intent = await stripe.paymentIntents.create({
    amount: body.amount,
    currency: body.currency || 'usd',
    customer: body.customerId,
  });
  await pool.query('INSERT INTO charges (customer_id, intent_id, day) VALUES ($1, $2, $3)', [
    body.customerId,
    intent.id,
    format(new Date(), 'yyyy-MM-dd'),
  ]);
  logger.info('charge created', { intent: intent.id });
  return { statusCode: 201, body: JSON.stringify({ id: intent.id }) };
};
