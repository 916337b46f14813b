-- Pipeline schedules: how far each pipeline's schedule has been planned, and every interval a schedule or a backfill
-- asked a run for. The key makes an interval's run start once, whichever replica's tick finds it due first.
create table pipeline_schedules (
    pipeline        varchar(63)              not null primary key,
    scheduled_until timestamp with time zone not null
);

create table scheduled_runs (
    pipeline       varchar(63)              not null,
    origin         varchar(16)              not null,
    interval_start timestamp with time zone not null,
    interval_end   timestamp with time zone not null,
    state          varchar(16)              not null,
    requested_by   varchar(500)             not null,
    requested_at   timestamp with time zone not null,
    run_id         varchar(36),
    primary key (pipeline, origin, interval_start)
);

create index scheduled_runs_pending on scheduled_runs (pipeline, state, interval_start);
