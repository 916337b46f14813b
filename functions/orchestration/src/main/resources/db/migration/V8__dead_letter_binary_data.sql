-- A dead letter's data that is not UTF-8 text (an image, a protobuf message) is kept as base64 here, and data stays
-- null: as text it would have been mangled.
alter table dead_letters add column data_base64 text;
