DROP TABLE refresh_tokens;
DROP TABLE api_keys;
DROP TABLE users;
DROP TYPE user_role;
