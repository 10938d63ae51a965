DROP TABLE review_evidence;
DROP TABLE reviews;
