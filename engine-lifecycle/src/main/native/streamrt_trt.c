/*
 * Deletes TensorRT objects from Java. The JavaCPP presets give pointers that TensorRT returns no deallocator, and
 * TensorRT 10 and later have no destroy() method: objects are freed with C++ `delete`. Every TensorRT interface
 * that the library implements (IRuntime, ICudaEngine, IExecutionContext, IBuilder, IBuilderConfig,
 * INetworkDefinition, IHostMemory, ITimingCache) derives from nvinfer1::INoCopy, whose only virtual member is its
 * destructor (NvInferRuntime.h). Under the Itanium C++ ABI (GCC and Clang on Linux, as TensorRT is built) such a
 * class's vtable starts with the complete-object destructor and then the deleting destructor; `delete object`
 * calls the second. That is all this does, so it needs no TensorRT header. Not for the ONNX parser's IParser,
 * whose destructor is not its first virtual member.
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>

typedef void (*streamrt_destructor)(void *object);

static void delete_no_copy(void *object) {
    if (object != NULL) {
        streamrt_destructor *vtable = *(streamrt_destructor **) object;
        vtable[1](object);
    }
}

JNIEXPORT void JNICALL Java_io_streamrt_engine_internal_tensorrt_NativeDelete_deleteNoCopy(
        JNIEnv *env, jclass type, jlong address) {
    (void) env;
    (void) type;
    delete_no_copy((void *) (intptr_t) address);
}

/* A stand-in laid out as such an object: a vtable pointer to {complete destructor, deleting destructor}. */
struct probe {
    const streamrt_destructor *vtable;
    int complete_calls;
};

static int probe_deleted;
static int probe_completed;

static void probe_complete(void *object) {
    (void) object;
    probe_completed++;
}

static void probe_delete(void *object) {
    probe_deleted++;
    free(object);
}

static const streamrt_destructor probe_vtable[2] = {probe_complete, probe_delete};

/* 1 when deleting a stand-in ran its deleting destructor once and its complete-object destructor never. */
JNIEXPORT jint JNICALL Java_io_streamrt_engine_internal_tensorrt_NativeDelete_selfTest(JNIEnv *env, jclass type) {
    (void) env;
    (void) type;
    struct probe *object = malloc(sizeof(struct probe));
    if (object == NULL) {
        return 0;
    }
    object->vtable = probe_vtable;
    object->complete_calls = 0;
    probe_deleted = 0;
    probe_completed = 0;
    delete_no_copy(object);
    return probe_deleted == 1 && probe_completed == 0;
}
