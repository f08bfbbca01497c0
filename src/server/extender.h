// The kube-scheduler extender protocol (k8s.io/kube-scheduler/extender/v1), advisory:
// POST /scheduler/filter takes ExtenderArgs and answers ExtenderFilterResult, dropping only
// nodes whose accelerator cannot run the pod's job (another resource, a chip the job does not
// fit or lacks the precision for); POST /scheduler/prioritize answers a HostPriorityList that
// scores each node 0-10 by how fast the job runs on its chip type. It never binds, and is safe
// to register with `ignorable: true`.
//
// Keys are matched case-insensitively, as Go's encoding/json does ("Pod" or "pod", "NodeNames"
// or "nodenames"); both the full `Nodes` list and `NodeNames` (nodeCacheCapable) are accepted.
// With NodeNames the nodes come from the snapshot `suanli serve --kube` loaded; unknown names
// pass. The job comes from pod annotations `suanli.io/model` and `suanli.io/dtype` (without a
// model: the chip's peak for the dtype).
#ifndef SUANLI_SERVER_EXTENDER_H_
#define SUANLI_SERVER_EXTENDER_H_

#include <string>

#include "app/engine.h"
#include "server/api.h"
#include "sim/engine/kube.h"

namespace suanli::server {

// `verb` is "filter" or "prioritize"; `snapshot` may be null.
ApiResponse HandleExtender(const app::Engine& engine, const sim::KubeCluster* snapshot,
                           const std::string& verb, const std::string& body);

}  // namespace suanli::server

#endif  // SUANLI_SERVER_EXTENDER_H_
