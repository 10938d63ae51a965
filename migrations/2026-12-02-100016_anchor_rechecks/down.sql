DROP TABLE anchor_rechecks;
