-- The demo in Flink SQL: Kafka -> ML_PREDICT on a streamrt model -> Kafka, exactly once.
-- `demo --sql` fills in the ${...} values; on a cluster, write them in and run the script in Flink's SQL client.
SET 'execution.checkpointing.interval' = '1s';
SET 'parallelism.default' = '${parallelism}';

-- The input: JSON objects {"id": ..., "text": ...}. The json format fails the job on a value that is not JSON
-- (ignoring parse errors would drop records silently); the enrich job dead-letters such values instead.
CREATE TABLE texts (
  id STRING,
  `text` STRING
) WITH (
  'connector' = 'kafka',
  'topic' = '${input}',
  'properties.bootstrap.servers' = '${bootstrap.servers}',
  'properties.group.id' = 'streamrt-sql-demo',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',
  'format' = 'json',
  'json.fail-on-missing-field' = 'false',
  'json.ignore-parse-errors' = 'false'
);

-- The output: the record with an inference object, as the enrich job writes it.
CREATE TABLE enriched (
  id STRING,
  `text` STRING,
  inference ROW<label STRING, score DOUBLE, batch_size INT, queue_ms DOUBLE, infer_ms DOUBLE, engine STRING>
) WITH (
  'connector' = 'kafka',
  'topic' = '${output}',
  'properties.bootstrap.servers' = '${bootstrap.servers}',
  'properties.transaction.timeout.ms' = '900000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'streamrt-sql-demo-output',
  'format' = 'json'
);

-- Rows without a result, with the reason code in the same header the enrich job's dead letters carry.
CREATE TABLE dead_letter (
  id STRING,
  error STRING,
  headers MAP<STRING, BYTES> METADATA
) WITH (
  'connector' = 'kafka',
  'topic' = '${dead-letter}',
  'properties.bootstrap.servers' = '${bootstrap.servers}',
  'properties.transaction.timeout.ms' = '900000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'streamrt-sql-demo-dead-letter',
  'format' = 'json'
);

CREATE MODEL topics
  INPUT (`text` STRING)
  OUTPUT (label STRING, score DOUBLE, batch_size INT, queue_ms DOUBLE, infer_ms DOUBLE, engine STRING, error STRING)
  WITH (
    'provider' = 'streamrt',
    'model' = '${model}',
    'engine' = '${engine}',
    'labels' = '${labels}',
    'batch.max-size-records' = '${max-batch-size}',
    'latency-target-ms' = '${latency-target-ms}',
    'on-failure' = 'DEAD_LETTER'
  );

-- Flink keeps 10 rows of a subtask in flight by default, which caps a batch at 10 rows per subtask: allow more.
CREATE TEMPORARY VIEW predicted AS
  SELECT * FROM ML_PREDICT(TABLE texts, MODEL topics, DESCRIPTOR(`text`),
    MAP['max-concurrent-operations', '${max-concurrent-operations}']);

-- One job, one ML_PREDICT: every input row ends in exactly one of the two topics.
EXECUTE STATEMENT SET BEGIN
  INSERT INTO enriched
    SELECT id, `text`, ROW(label, score, batch_size, queue_ms, infer_ms, engine) FROM predicted WHERE error IS NULL;
  INSERT INTO dead_letter
    SELECT id, error, MAP['__streamrt.errors.reason', ENCODE(SPLIT_INDEX(error, ':', 0), 'UTF-8')]
    FROM predicted WHERE error IS NOT NULL;
END;
