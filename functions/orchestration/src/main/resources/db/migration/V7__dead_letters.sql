-- Events the broker could not deliver after its retries, as its dead-letter sink received them: the event's own
-- attributes, the error Knative attached (the HTTP status, the destination, the start of the reply), and the data up
-- to a size cap. A redelivered dead letter (same source and id) is recorded once.
create table dead_letters (
    source            varchar(500)             not null,
    id                varchar(200)             not null,
    type              varchar(200)             not null,
    subject           varchar(500),
    data_content_type varchar(200),
    error_code        varchar(16),
    error_destination varchar(2000),
    error_data        text,
    data              text,
    data_bytes        bigint                   not null,
    data_truncated    boolean                  not null,
    received_at       timestamp with time zone not null,
    primary key (source, id)
);

create index dead_letters_received on dead_letters (received_at);
