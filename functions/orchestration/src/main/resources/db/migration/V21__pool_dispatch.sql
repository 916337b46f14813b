-- A step instance waiting for the pool (state QUEUED) names its workload, so that whichever transaction admits it
-- dispatches it. Written for PostgreSQL; the embedded database runs the same statements.

alter table step_instances add column workload varchar(400);
create index step_instances_queued on step_instances (state, workload);
