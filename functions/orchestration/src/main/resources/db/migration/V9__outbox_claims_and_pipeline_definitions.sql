-- An outbox event is sent by the replica that claimed it: the claim is a lease (owner and expiry), so the events of a
-- replica that died are claimed again once its lease ends.
alter table outbox add column claimed_by varchar(64);
alter table outbox add column claimed_until timestamp with time zone;

-- Every pipeline version registered, with its file's text and that text's digest: a version keeps its definition
-- across restarts and replicas, and a run finishes on the definition it started with.
create table pipeline_definitions (
    pipeline      varchar(63)              not null,
    version       integer                  not null,
    digest        varchar(71)              not null,
    file_name     varchar(255)             not null,
    definition    text                     not null,
    registered_at timestamp with time zone not null,
    primary key (pipeline, version)
);
