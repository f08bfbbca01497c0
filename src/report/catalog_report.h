// Listings of the catalog: chips, systems and models, as a table or JSON,
// with sources and confidence shown.
#ifndef SUANLI_REPORT_CATALOG_REPORT_H_
#define SUANLI_REPORT_CATALOG_REPORT_H_

#include <string>

#include "catalog/catalog.h"

namespace suanli::report {

std::string ChipsJson(const catalog::Catalog& c);
std::string ChipsTable(const catalog::Catalog& c);
std::string SystemsJson(const catalog::Catalog& c);
std::string SystemsTable(const catalog::Catalog& c);
std::string ModelsJson(const catalog::Catalog& c);
std::string ModelsTable(const catalog::Catalog& c);
// Serving engines and their documented limits (`suanli catalog engines`).
std::string EnginesJson(const catalog::Catalog& c);
std::string EnginesTable(const catalog::Catalog& c);
// Training software stacks and what each does (`suanli catalog stacks`).
std::string StacksJson(const catalog::Catalog& c);
std::string StacksTable(const catalog::Catalog& c);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_CATALOG_REPORT_H_
