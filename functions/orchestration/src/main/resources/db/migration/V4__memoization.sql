-- step results that later steps with the same definition, parameters and inputs may reuse instead of running
create table memo_entries (
    cache_key     varchar(71)              not null primary key,
    pipeline      varchar(63)              not null,
    step          varchar(63)              not null,
    run_id        varchar(36)              not null,
    instance      varchar(200)             not null,
    attempt       integer                  not null,
    outputs       text                     not null,
    metrics       text                     not null,
    input_records double precision,
    created_at    timestamp with time zone not null,
    last_hit_at   timestamp with time zone,
    hits          bigint                   not null
);

alter table attempts add column memo_key varchar(71);
