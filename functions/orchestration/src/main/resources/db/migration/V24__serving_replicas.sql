-- The replicas of serving functions as the shared pool counts them: each replica's latest demand report and the pool
-- workloads its load holds. Written for PostgreSQL; the embedded database runs the same statements.

create table serving_replicas (
    function_name   varchar(63)              not null,
    replica         varchar(200)             not null,
    -- the replica's latest report: an older or repeated one changes nothing
    report_sequence bigint                   not null,
    reported_at     timestamp with time zone not null,
    requests        bigint                   not null,
    -- the replicas its requests need; 0 once it stopped reporting and its room was freed
    replicas        integer                  not null,
    -- the pool workloads that hold that room, a JSON array of their ids, the newest last
    workloads       text                     not null,
    primary key (function_name, replica)
);
create index serving_replicas_reported on serving_replicas (replicas, reported_at);
