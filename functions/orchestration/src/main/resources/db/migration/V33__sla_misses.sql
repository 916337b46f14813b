-- SLA misses, one row each: a run past its pipeline's sla (instance '' and attempt 0), or a step's attempt past its
-- expected-duration. The key is what makes a miss announced once, whichever replica's tick saw it first.
create table sla_misses (
    run_id           varchar(36)              not null references runs (id),
    instance         varchar(200)             not null,
    attempt          integer                  not null,
    expected_seconds double precision         not null,
    elapsed_seconds  double precision         not null,
    seen_at          timestamp with time zone not null,
    primary key (run_id, instance, attempt)
);
