-- an identical memoized step of another run that is running now: the later one waits for its result
create table memo_claims (
    cache_key  varchar(71)              not null primary key,
    run_id     varchar(36)              not null,
    instance   varchar(200)             not null,
    attempt    integer                  not null,
    claimed_at timestamp with time zone not null
);

alter table step_instances add column waiting_key varchar(71);
