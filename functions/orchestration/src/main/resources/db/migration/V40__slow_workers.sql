-- The workers of an attempt reported as far slower than their peers: each is reported once per attempt, whichever
-- heartbeat (or redelivery, or replica) shows it first.
create table slow_workers (
    run_id      varchar(36)              not null,
    instance    varchar(200)             not null,
    attempt     integer                  not null,
    worker      varchar(193)             not null,
    throughput  double precision         not null,
    peer_median double precision         not null,
    reported_at timestamp with time zone not null,
    primary key (run_id, instance, attempt, worker),
    foreign key (run_id, instance, attempt) references attempts (run_id, instance, attempt)
);
