#pragma once
// `mpirun -n K cxsim run ...` (docs/distributed.md; MODEL.md section 17):
// compiled only with -DCXSIM_MPI=ON (the one file pair that talks to MPI;
// no mpi.h here). Every rank loads the same plan; the chunk range is cut
// into blocks of contiguous chunks dealt round-robin to the ranks (block b to
// rank b mod K); every rank simulates its blocks with its threads
// (engine::stream_range) and sends each chunk's accumulator record
// (engine/partial.h) and per-customer rows to rank 0, which merges them in
// chunk order (engine::merge_chunk) and writes the results file as one
// process would: every dataset is bit-identical for every K.
//
// Memory per rank is bounded as in one process: a rank keeps at most a
// window of sent-but-unreceived chunks, and rank 0 receives chunk c only when
// it is the next to merge (it never gathers all chunks).
//
// Failures: every rank runs the whole `cxsim run` inside guard(). A rank
// that fails (bad input, an exception while simulating, a signal) makes every
// rank exit non-zero; rank 0 prints the one message (other ranks' stderr and
// stdout are silenced; a failing rank's message is sent to rank 0) and the
// results file is never renamed into place. A rank killed outright is left to
// mpirun, which ends the job (no file under the final name; the temporary is
// removed by the next run to the same output).
#include <atomic>
#include <functional>
#include <memory>

#include "cxsim/app/run_plan.h"
#include "cxsim/engine/runner.h"

namespace cxsim::app {

class MpiRun {
 public:
  // Started by an MPI launcher (OpenMPI's OMPI_COMM_WORLD_SIZE, PMIx's
  // PMIX_RANK or PMI_RANK in the environment)? Then MPI is initialised and
  // a session returned; otherwise nullptr (the one-process run).
  static std::unique_ptr<MpiRun> start_if_launched();
  // MPI_Finalize, collective: keep the session until the error (if any) is
  // printed (cli Context::session), or mpirun may end rank 0 before it.
  ~MpiRun();
  MpiRun(const MpiRun&) = delete;
  MpiRun& operator=(const MpiRun&) = delete;

  int rank() const;
  int ranks() const;
  bool root() const { return rank() == 0; }

  // Runs `body` (the whole command) on this rank and keeps the ranks in step
  // whatever it does: a failure anywhere is a failure everywhere (the
  // exception is rethrown here, or core::RuntimeError on a rank that did not
  // fail itself, which says nothing since its stderr is silenced).
  int guard(const std::function<int()>& body);

  // Collective, once the plan is loaded and the outputs checked on every
  // rank: refuses (core::InputError) what a distributed run cannot do yet (a
  // precision target, an event log, --chunks), then waits
  // for every rank. Throws when any rank failed before this point.
  void start(const RunPlan& plan, bool event_log, bool partial);

  // Ranks other than 0: simulates this rank's blocks and streams them (with
  // the named variants' per-customer rows when `customer_records`) to rank
  // 0. Returns when all are sent (or rank 0 said stop).
  void work(const RunPlan& plan, bool customer_records, const std::atomic<int>* stop);

  // Rank 0: simulates its own blocks, receives the others' in chunk order and
  // merges them into the run's result; hooks.on_chunk gets every chunk (with
  // its per-customer rows when hooks.customer_records) in chunk order and
  // hooks.progress the customers merged so far.
  engine::RunResult execute_root(const RunPlan& plan, const engine::RunHooks& hooks);

  // The parameter draws of --uncertainty across the ranks, for
  // app::execute_uncertainty on every rank after the chunks (root and
  // work()): draw d is run by rank d mod K, alone, with the rank's threads
  // (engine::run_uncertainty of that one draw: the same bits as in one
  // process, as each draw is a pure function of d and of no thread count),
  // and its per-draw rows (an estimate and a Monte Carlo variance per metric
  // row) sent to rank 0, which returns the whole summary; the other ranks
  // return an empty one.
  DrawRunner draw_runner();

 private:
  MpiRun(int rank, int ranks);
  struct State;
  std::unique_ptr<State> st_;
};

}  // namespace cxsim::app
