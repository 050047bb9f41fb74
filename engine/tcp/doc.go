// Package tcp encodes and decides with Tool Capability Protocol descriptors:
// the 24-byte v2 descriptor, the hierarchical v3 family encoding, the
// mmap-able descriptor database, and the risk decision for a command line.
//
// The byte layouts are specified in DESIGN.md §6 and, for v3 and the
// database, in FORMAT.md next to this file. The package imports only the
// standard library so that the hardware backends and the CLI can share it.
//
// # Decision policy
//
// Decide classes a command line as SAFE, LOW_RISK, MEDIUM_RISK, HIGH_RISK
// or CRITICAL and maps the class to a verdict by DESIGN §6 (CRITICAL →
// REJECT, HIGH_RISK → REQUIRE_APPROVAL, MEDIUM_RISK → CAUTION, otherwise
// APPROVE). The choices that decide many lines:
//
//   - The most severe part of a pipeline, && / || / ; chain, subshell,
//     command substitution or sh -c / ssh / eval script wins.
//   - sudo, su, doas, pkexec and run0 add PRIVILEGE_ESCALATION and raise the
//     command to at least HIGH_RISK, however harmless it is.
//   - Recursive deletion (rm -r, find -delete, find -exec rm, xargs rm) is
//     HIGH_RISK; on /, /*, ~, $HOME, *, a top-level directory or "$VAR/"
//     (an empty VAR makes it /) it is CRITICAL, as are mkfs, partition
//     editors, writes to block devices, shutdown and reboot, chmod/chown -R
//     of such paths, and running code downloaded on the same line
//     (curl … | sh, bash <(curl …), curl -o x && sh x).
//   - git push --force, reset --hard, clean -f and checkout -- . are
//     HIGH_RISK: they destroy work other people or the working tree hold;
//     plain git push is MEDIUM_RISK.
//   - kill -9, killall and pkill are HIGH_RISK; kill with TERM is
//     MEDIUM_RISK; reload signals (HUP, USR1) are LOW_RISK; signals to PID 1
//     or -1 are CRITICAL.
//   - A redirection that overwrites a file is at least MEDIUM_RISK with
//     FILE_MODIFICATION, one into a system directory HIGH_RISK.
//   - A tool nobody knows — no descriptor, not in the built-in table — is
//     MEDIUM_RISK ("unknown tool: default caution").
//
// A descriptor database gives the base risk of the tools it knows; the
// built-in table of common commands is the fallback. Argument rules raise
// the base for dangerous forms; subcommand rules (git status, docker ps,
// systemctl restart) replace it, because they know the form better than a
// descriptor for the whole tool. Decision.Source says which one decided.
package tcp
