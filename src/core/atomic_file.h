// Whole files: reading one into memory, and the one way output files are written, so that a
// failure never leaves a half-written file, a stray temporary or a file the user did not ask for.
//
// A regular file (or one that does not exist yet) is written to a temporary created next to it
// with O_CREAT | O_EXCL | O_NOFOLLOW under a random name, mode 0600; every write, the fsync and the
// close are checked; then the temporary gets the mode the file would get (the old file's, or
// 0666 & ~umask) and is renamed over the target. Several files are all or none: every temporary
// is written before the first rename, and any failure removes them all (and folders made for
// them). SIGINT, SIGTERM, SIGHUP and SIGPIPE while temporaries exist remove them first; SIGXFSZ
// is ignored, so that a file size limit is a write error like a full disk.
//
// Other targets:
// - a symbolic link to a regular file is written through: the file it points to is replaced,
//   the link is kept (like a shell's `>`);
// - a FIFO or a character device (a named pipe, `>(gzip > x)`, /dev/null, /dev/stdout on a
//   terminal) is written in place, never replaced by a regular file: a stream cannot be renamed
//   into. It is written after every temporary and before any rename, so a failed stream write
//   leaves no regular file behind (what already went down the stream cannot be taken back);
// - a directory, socket, block device or dangling symbolic link is refused.
#ifndef SUANLI_CORE_ATOMIC_FILE_H_
#define SUANLI_CORE_ATOMIC_FILE_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace suanli {

struct FileToWrite {
  std::string path;
  std::string_view content;
  bool make_parent = false;  // create the folders it goes in (removed again on failure)
};

// Every file or none; the error names the file that failed and why (errno text). A target that
// is one of `inputs` (the files the command read; the same file by device and inode, whatever
// the name) is refused before anything is written.
Result<void> WriteFilesAtomically(const std::vector<FileToWrite>& files,
                                  const std::vector<std::string>& inputs = {});
Result<void> WriteFileAtomically(const std::string& path, std::string_view content);

// The whole file; the error ("cannot read file") names the path.
Result<std::string> ReadWholeFile(const std::string& path);

// Tests only: temporaries (and folders made for them) registered for removal on a signal.
int LiveTemporaryCountForTesting();
// Tests only: where temporary names come from, as the name within the target's folder for
// (target file name, attempt 0, 1, ...); nullptr restores the random names.
void SetTemporaryNamesForTesting(std::function<std::string(const std::string&, int)> names);

}  // namespace suanli

#endif  // SUANLI_CORE_ATOMIC_FILE_H_
