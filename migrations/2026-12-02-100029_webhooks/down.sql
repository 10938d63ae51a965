DROP FUNCTION attest_webhook_settle(uuid, boolean, integer, text, text, integer, timestamptz);
DROP FUNCTION attest_webhook_lease(integer, interval);
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_subscriptions;
