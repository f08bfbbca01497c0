// The planner's web page (web/: index.html, app.css, and app.js bundled by esbuild with
// vega-embed), compiled into the binary so `suanli serve` works offline.
#ifndef SUANLI_SERVER_WEB_ASSETS_H_
#define SUANLI_SERVER_WEB_ASSETS_H_

#include <vector>

#include "core/embedded_file.h"

namespace suanli::server {

const std::vector<EmbeddedFile>& WebAssets();

}  // namespace suanli::server

#endif  // SUANLI_SERVER_WEB_ASSETS_H_
