#include "selfsup/runtime.hpp"

#include <omp.h>

#include "dnnl_support.hpp"
#include "selfsup/errors.hpp"

namespace selfsup {

void set_num_threads(int threads) {
    if (threads < 1) {
        throw NumericalError(detail::concat("threads must be at least 1, got ", threads));
    }
    // oneDNN is built on OpenMP here, so one setting governs both its
    // primitives and our own parallel loops.
    omp_set_num_threads(threads);
}

int num_threads() { return omp_get_max_threads(); }

uint64_t primitives_created() { return dnnl_support::PrimitiveCache::instance().created(); }

}  // namespace selfsup
