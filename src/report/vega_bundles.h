// vega.min.js, vega-lite.min.js and vega-embed.min.js from node_modules
// (package-lock.json pins them), compiled into the binary.
#ifndef SUANLI_REPORT_VEGA_BUNDLES_H_
#define SUANLI_REPORT_VEGA_BUNDLES_H_

#include <vector>

#include "core/embedded_file.h"

namespace suanli::report {

const std::vector<EmbeddedFile>& VegaBundles();

}  // namespace suanli::report

#endif  // SUANLI_REPORT_VEGA_BUNDLES_H_
