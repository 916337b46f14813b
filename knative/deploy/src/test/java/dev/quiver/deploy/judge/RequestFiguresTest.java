package dev.quiver.deploy.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RequestFiguresTest {

    static final String METRICS = """
        # HELP http_server_requests_seconds HTTP server request processing time
        # TYPE http_server_requests_seconds histogram
        http_server_requests_seconds_bucket{method="POST",status="200",uri="/predict",le="0.01"} 90.0
        http_server_requests_seconds_bucket{method="POST",status="200",uri="/predict",le="0.1"} 98.0
        http_server_requests_seconds_bucket{method="POST",status="200",uri="/predict",le="1.0"} 98.0
        http_server_requests_seconds_bucket{method="POST",status="200",uri="/predict",le="+Inf"} 98.0
        http_server_requests_seconds_count{method="POST",status="200",uri="/predict"} 98.0
        http_server_requests_seconds_sum{method="POST",status="200",uri="/predict"} 0.9
        http_server_requests_seconds_bucket{method="POST",status="503",uri="/predict",le="0.01"} 0.0
        http_server_requests_seconds_bucket{method="POST",status="503",uri="/predict",le="0.1"} 0.0
        http_server_requests_seconds_bucket{method="POST",status="503",uri="/predict",le="1.0"} 2.0
        http_server_requests_seconds_bucket{method="POST",status="503",uri="/predict",le="+Inf"} 2.0
        http_server_requests_seconds_count{method="POST",status="503",uri="/predict"} 2.0
        http_server_requests_seconds_count{method="GET",status="200",uri="/q/metrics"} 40.0
        jvm_threads_live_threads 21.0
        """;

    @Test
    void countsRequestsAndServerErrorsLeavingOutTheFunctionsOwnEndpoints() {
        RequestFigures figures = RequestFigures.of(Sample.parseAll(METRICS));

        assertThat(figures.requests()).isEqualTo(100);
        assertThat(figures.errors()).isEqualTo(2);
        assertThat(figures.errorRate()).isEqualTo(0.02);
    }

    @Test
    void estimatesTheP99WithinItsBucketAsPrometheusDoes() {
        RequestFigures figures = RequestFigures.of(Sample.parseAll(METRICS));

        // 100 requests, 98 by 0.1 s: the 99th lies halfway through the (0.1, 1.0] bucket
        assertThat(figures.p99Seconds()).isCloseTo(0.55, within(1e-9));
    }

    @Test
    void hasNoP99WithoutBuckets() {
        RequestFigures figures = RequestFigures.of(Sample.parseAll(
                "http_server_requests_seconds_count{status=\"200\",uri=\"/predict\"} 5\n"));

        assertThat(figures.requests()).isEqualTo(5);
        assertThat(figures.p99Seconds()).isNaN();
    }

    @Test
    void readsEscapedLabelValuesAndSkipsUnreadableLines() {
        assertThat(Sample.parseAll("a{b=\"x\\\"y\",c=\"z\"} 1 1700000000\nbroken{ 2\nc NaN\n"))
                .extracting(Sample::name, s -> s.labels().get("b"))
                .containsExactly(tuple("a", "x\"y"), tuple("c", null));
    }
}
