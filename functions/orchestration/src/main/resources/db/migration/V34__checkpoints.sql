-- The latest checkpoint each attempt reported in its heartbeats: a retry of the step is given it as an input.
create table checkpoints (
    run_id      varchar(36)              not null,
    instance    varchar(200)             not null,
    attempt     integer                  not null,
    uri         varchar(2000)            not null,
    digest      varchar(200),
    observed_at timestamp with time zone not null,
    primary key (run_id, instance, attempt),
    foreign key (run_id, instance, attempt) references attempts (run_id, instance, attempt)
);
