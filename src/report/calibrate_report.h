// `suanli calibrate`: measurements against predictions before and after the fit, held-out
// (leave-one-out) errors, the parameters that moved and the ones the data cannot identify.
#ifndef SUANLI_REPORT_CALIBRATE_REPORT_H_
#define SUANLI_REPORT_CALIBRATE_REPORT_H_

#include <optional>
#include <string>
#include <vector>

namespace suanli::report {

struct CalibrationMeasurement {
  std::string name;   // the row's name, else file:line
  std::string where;  // file:line
  std::string kind;   // train or infer
  std::string model, chip, family;
  std::string metric;  // the estimate's JSON name
  double measured = 0;
  double before = 0;               // predicted with the shipped parameters
  double after = 0;                // predicted with the fitted ones
  std::optional<double> left_out;  // predicted by a fit without this measurement
  std::vector<std::string> warnings;
};

struct CalibrationParameter {
  std::string family, name;
  double shipped = 0, fitted = 0;
  std::optional<double> sigma;  // one standard deviation of the fitted value
  bool identified = false;
  std::string reason;      // why it was not fitted
  double sensitivity = 0;  // largest |d log prediction / d log parameter|
  // A chip figure the catalog lacks (`family` is then the chip, `shipped` the fit's start):
  // fitted within these bounds, which `basis` explains.
  bool chip_figure = false;
  double lower = 0, upper = 0;
  std::string basis;
};

struct CalibrationReport {
  std::vector<std::string> files;
  std::string date;
  double measurement_sigma = 0, prior_sigma = 0, noise_scale = 1;
  int iterations = 0;
  bool converged = false;
  std::vector<CalibrationMeasurement> measurements;
  std::vector<CalibrationParameter> parameters;
  std::string overlay;  // the overlay file written, if any
};

// Root mean square of log(predicted / measured) over the measurements, as a relative error
// (exp(rms) - 1): before, after and held out.
struct CalibrationSummary {
  double rms_before = 0, rms_after = 0;
  std::optional<double> rms_left_out;
};
CalibrationSummary Summarize(const CalibrationReport& r);

std::string CalibrationText(const CalibrationReport& r);
std::string CalibrationJson(const CalibrationReport& r);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_CALIBRATE_REPORT_H_
