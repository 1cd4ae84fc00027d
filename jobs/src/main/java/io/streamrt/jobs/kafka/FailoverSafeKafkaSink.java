package io.streamrt.jobs.kafka;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaWriterState;
import org.apache.flink.connector.kafka.sink.TwoPhaseCommittingStatefulSink.PrecommittingStatefulSinkWriter;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.lineage.LineageVertex;
import org.apache.flink.streaming.api.lineage.LineageVertexProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link KafkaSink} whose writer never fails its {@code close()}: a broker outage costs a task restart, never the
 * TaskManager.
 *
 * <p>Why: while a broker is down, a send can fail after the task has stopped reading its mailbox (the producer's
 * {@code max.block.ms} ends inside {@code send}, or a batch expires on the producer's I/O thread). The connector's
 * writer keeps that failure and throws it again from {@code close()}. Flink closes the operators of a failing or
 * cancelled task in its clean-up, and an exception there is "FATAL - exception in exception handler of task": the
 * TaskExecutor shuts down, and a mini cluster (the job under {@code java -jar}) has no TaskManager left. The failure
 * is already the task's or a sibling's; a restart from the last checkpoint aborts or commits its transactions. So
 * this sink logs a failed close and lets the clean-up finish. Every other call (writes, flushes, pre-commits,
 * snapshots, the committer and its serializers, the committer's co-location) is the Kafka sink's own, so the
 * delivery guarantee and the state in checkpoints and savepoints are unchanged.
 *
 * <pre>{@code
 * stream.sinkTo(new FailoverSafeKafkaSink<>(KafkaSink.<Row>builder()...build(), "enriched"));
 * }</pre>
 */
@PublicEvolving
public final class FailoverSafeKafkaSink<IN> implements Sink<IN>, SupportsWriterState<IN, KafkaWriterState>,
        SupportsCommitter<KafkaCommittable>, SupportsPostCommitTopology<KafkaCommittable>, LineageVertexProvider {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FailoverSafeKafkaSink.class);

    private final KafkaSink<IN> sink;
    private final String topic;

    /**
     * @param sink the Kafka sink to guard
     * @param topic the sink's topic, named in the log line of a failed close
     */
    public FailoverSafeKafkaSink(KafkaSink<IN> sink, String topic) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    @Override
    public StatefulSinkWriter<IN, KafkaWriterState> createWriter(WriterInitContext context) throws IOException {
        return new Writer<>(sink.createWriter(context), topic);
    }

    @Override
    public StatefulSinkWriter<IN, KafkaWriterState> restoreWriter(WriterInitContext context,
            Collection<KafkaWriterState> recoveredState) throws IOException {
        return new Writer<>(sink.restoreWriter(context, recoveredState), topic);
    }

    @Override
    public SimpleVersionedSerializer<KafkaWriterState> getWriterStateSerializer() {
        return sink.getWriterStateSerializer();
    }

    @Override
    public Committer<KafkaCommittable> createCommitter(CommitterInitContext context) throws IOException {
        return sink.createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<KafkaCommittable> getCommittableSerializer() {
        return sink.getCommittableSerializer();
    }

    @Override
    public void addPostCommitTopology(DataStream<CommittableMessage<KafkaCommittable>> committables) {
        sink.addPostCommitTopology(committables);
    }

    @Override
    public LineageVertex getLineageVertex() {
        return sink.getLineageVertex();
    }

    /** The Kafka writer, with a close that logs its failure instead of throwing it. */
    static final class Writer<IN> implements StatefulSinkWriter<IN, KafkaWriterState>,
            CommittingSinkWriter<IN, KafkaCommittable> {

        private final PrecommittingStatefulSinkWriter<IN, KafkaWriterState, KafkaCommittable> writer;
        private final String topic;

        Writer(PrecommittingStatefulSinkWriter<IN, KafkaWriterState, KafkaCommittable> writer, String topic) {
            this.writer = writer;
            this.topic = topic;
        }

        @Override
        public void write(IN element, Context context) throws IOException, InterruptedException {
            writer.write(element, context);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            writer.flush(endOfInput);
        }

        @Override
        public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
            writer.writeWatermark(watermark);
        }

        @Override
        public Collection<KafkaCommittable> prepareCommit() throws IOException, InterruptedException {
            return writer.prepareCommit();
        }

        @Override
        public List<KafkaWriterState> snapshotState(long checkpointId) throws IOException {
            return writer.snapshotState(checkpointId);
        }

        /**
         * Closes the Kafka writer. A failure here is a send or an abort that failed after the last flush: the task
         * is failing or cancelled already (a flush or a pre-commit that saw it would have failed the task first),
         * or it finished with every record flushed and pre-committed. Either way it is logged, not thrown.
         */
        @Override
        public void close() {
            try {
                writer.close();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                LOG.warn("Closing the Kafka writer for topic '{}' failed; the task restarts from its last checkpoint,"
                        + " which aborts or commits its transactions", topic, e);
            }
        }
    }
}
