-- The shared pool's workloads and the row every pool decision locks, so that replicas on one database decide one at a
-- time and never admit more than the quota. Written for PostgreSQL; the embedded database runs the same statements.

create table pool_lock (
    id      integer not null primary key,
    -- raised by every decision that changes the pool: a replica whose copy is older reads the pool again
    version bigint  not null
);
insert into pool_lock (id, version) values (1, 0);

create table pool_workloads (
    id             varchar(400)             not null primary key,
    queue          varchar(63)              not null,
    priority_class varchar(63)              not null,
    priority       integer                  not null,
    preempting     boolean                  not null,
    -- by resource, in thousandths: {"cpu":2000,"memory":536870912000}
    request        text                     not null,
    pods           integer                  not null,
    submitted_at   timestamp with time zone not null,
    -- PENDING, ADMITTED; FINISHED and REFUSED are kept so that a redelivered submission changes nothing
    status         varchar(16)              not null,
    since          timestamp with time zone not null,
    preemptions    integer                  not null default 0,
    reason         text
);
create index pool_workloads_status on pool_workloads (status, queue);
