#!/bin/bash
# The mutation check of the hardening tests: each line breaks one defence of lib/xxgk in a scratch
# worktree (/tmp/mut: `git worktree add /tmp/mut HEAD`) and runs the tests that must then fail.
# Every line must print "failed". Run by hand (about 5 minutes); not part of make test.
# each mutant: file, sed expression, tests that must fail
run() {
  name=$1; file=$2; expr=$3; shift 3
  git -C /tmp/mut checkout -q -- lib
  sed -i "$expr" "/tmp/mut/$file"
  if git -C /tmp/mut diff --quiet; then echo "MUTANT $name: sed changed nothing"; return; fi
  out=$(cd /tmp/mut && PYTHONPATH=/tmp/mut/lib timeout 900 /work/main/.venv/bin/python -m pytest -q -p no:cacheprovider -x "$@" 2>&1 | tail -1)
  echo "MUTANT $name: $out"
}
run kit-digest lib/xxgk/run/cache.py 's/        "kit": kit_digest(),//' tests/test_hardening.py::test_section_keys_change_with_the_kit tests/test_batch.py::test_section_keys_follow_every_input
run report-in-key lib/xxgk/run/cache.py 's/        "report": report,//' tests/test_hardening.py::test_every_section_key_covers_every_field_of_the_report
run x2-sign lib/xxgk/report/rules.py 's/before + issued - repealed/before + issued + repealed/g' tests/test_hardening.py::test_documents_in_force_count_repealed_ones_off
run share-of-new lib/xxgk/report/rules.py 's/    handled = _HANDLED.value(report)/    handled = _RECEIVED.value(report)/' tests/test_hardening.py::test_a_share_is_of_everything_handled_not_of_the_new_applications
run dangling-headers lib/xxgk/render/tablehtml.py 's/ if h in ids\]/]/' tests/test_hardening.py::test_header_references_point_at_cells_that_exist
run no-seal-check lib/xxgk/run/build.py 's/    if not cache.sealed(manifest, seal):/    if False:/' tests/test_hardening.py::test_a_notebook_tampered_with_its_manifest_is_never_reused
run no-exchange lib/xxgk/run/build.py 's/        if _exchange(new, target):/        if False:/' "tests/test_faults.py::test_a_killed_build_loses_nothing_and_leaves_nothing_running[swapped]"
run no-pdeathsig lib/xxgk/run/zygote.py 's/        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)/        pass/' "tests/test_faults.py::test_a_killed_build_loses_nothing_and_leaves_nothing_running[section]"
run no-stop-kernels lib/xxgk/run/build.py 's/^        stop_kernels()$/        pass/' tests/test_faults.py::test_ctrl_c_stops_a_section_that_never_ends_at_once
run lenient-date lib/xxgk/report/params.py 's/            return node.value$/            raise/' "tests/test_hardening.py::test_a_value_that_would_break_or_falsify_the_report_is_refused_at_its_line[30 Feb]"
run no-size-limit lib/xxgk/report/params.py 's/    if len(data) > MAX_PARAMS_BYTES:/    if False:/' tests/test_hardening.py::test_a_huge_file_is_refused_before_it_is_parsed
run translator-any lib/xxgk/run/execute.py 's/        if type(val) not in PARAMETER_TYPES or/        if False and/' tests/test_hardening.py::test_the_parameter_translator_refuses_what_it_does_not_write_itself
run verify-names lib/xxgk/run/verify.py 's/        if not (_plain_name(item.get("from")) and/        if not (True and/' tests/test_hardening.py::test_verify_refuses_a_manifest_whose_names_leave_the_folder
run verify-extra lib/xxgk/run/verify.py 's/    differing += \[f"{name}（manifest.json 未记录的文件）" for name in unlisted\]//' tests/test_hardening.py::test_verify_names_a_file_the_manifest_does_not_list
run agency-name lib/xxgk/report/params.py 's/    if not AGENCY_NAME.fullmatch(path.stem):/    if False:/' tests/test_hardening.py::test_a_file_name_that_is_no_single_safe_folder_name_is_refused
run failed-link lib/xxgk/run/build.py 's/        _remove(kept)/        shutil.rmtree(kept, ignore_errors=True)/' tests/test_hardening.py::test_a_link_planted_at_the_failure_folder_neither_hides_the_error_nor_is_followed
run stale-staging lib/xxgk/run/build.py 's/        _remove(leftover)/        pass/' "tests/test_faults.py::test_a_killed_build_loses_nothing_and_leaves_nothing_running[sections]"
git -C /tmp/mut checkout -q -- lib
