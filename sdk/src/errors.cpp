#include "selfsup/errors.hpp"

namespace selfsup {

// Out-of-line destructors anchor each class's type information in the SDK, so
// an exception thrown in a plugin is caught by type in the framework.
Error::~Error() = default;
ShapeError::~ShapeError() = default;
DataError::~DataError() = default;
NumericalError::~NumericalError() = default;
ManifestError::~ManifestError() = default;
PluginError::~PluginError() = default;
InternalError::~InternalError() = default;

}  // namespace selfsup
