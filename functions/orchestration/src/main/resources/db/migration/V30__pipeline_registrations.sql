-- Who registered a pipeline version: a file of the pipeline folder (its name) or an admin over the API (the caller's
-- label); versions registered before this column say nothing.
alter table pipeline_definitions add column registered_by varchar(500);
