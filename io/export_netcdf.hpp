// `clustertwin export OUT.h5 -o flat.nc`: a flat netCDF-4/CF copy of an output file.
//
// The native output keeps the contract's groups (/facility, /racks, ...). CDO rejects groups,
// and ParaView's and ncview's netCDF readers only look at the root group, so the export puts
// every variable at the root under its path with '/' replaced by '_' (characters other than
// letters, digits and '_' also become '_'):
//   /facility/power_it_w      → facility_power_it_w        (time)
//   /jobs/<job>/step_time_s   → jobs_<job>_step_time_s      (time)
//   /racks/power_w            → racks_power_w               (time, rack)
//   /racks/building, /hall    → racks_building, racks_hall  (rack), auxiliary coordinates
//   /events/kind              → events_kind                 (event)
// The coordinate variables keep their names: time (with bounds time_bnds), rack, event.
// /summary and /ensemble attributes become global attributes summary_<name>, ensemble_<name>;
// the other root attributes are copied, and a line is added to `history`. Every variable keeps
// its attributes (units, long_name, cell_methods, standard_name, flag_*, _FillValue); text
// attributes are written as netCDF character attributes (NC_CHAR), which every netCDF tool
// reads. The file is written to OUT.partial and renamed when complete.
#pragma once

#include <stdexcept>
#include <string>

namespace ct::io {

struct ExportOptions {
  bool events = true;  // include the /events table (dimension `event`)
  int deflate = 1;     // zlib level of the rack × time variables (0: none)
};

// The input is missing, unreadable or not a clustertwin output: bad input (exit status 2).
struct ExportInputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What was written, for the command's report line.
struct ExportResult {
  int variables = 0;
  long long samples = 0;
  long long racks = 0;
  long long events = 0;
};

// Throws ExportInputError for a bad input and std::runtime_error when the output cannot be
// written (runtime failure, exit status 3); never leaves a partial file under the output name.
ExportResult export_flat_netcdf(const std::string& input, const std::string& output,
                                const ExportOptions& options = {});

}  // namespace ct::io
