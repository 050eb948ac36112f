"""The worker function: the record of run_claim, once per seed, with the worker's name and time."""

from bnproof.claims import get_claim, run_claim
from bnproof.sweeps import worker
from bnproof.sweeps.worker import mark_client_process, run_batch, run_config

mark_client_process()  # this test process is a client: the worker function must leave its BLAS alone


def test_run_batch_gives_the_in_process_record():
    claim = "lyu2022.exp-lr-equivalence"
    out = run_batch(claim, [0, 1], {"model": "t1"}, {"quick": True})
    assert [r["params"]["seed"] for r, _, _ in out] == [0, 1]
    direct = run_claim(get_claim(claim), run_config(1, {"model": "t1"}, {"quick": True}))
    record, worker, elapsed = out[1]
    untimed = ("elapsed_s",)
    assert {k: v for k, v in record.items() if k not in untimed} == {k: v for k, v in direct.items() if k not in untimed}
    assert worker and elapsed >= 0


def test_run_config_passes_every_option():
    cfg = run_config(3, {"a": "1"}, {"quick": True, "steps": 10, "eta": "0.5", "dps": 30, "loss": "exp"})
    assert (cfg.seed, cfg.steps, cfg.eta, cfg.dps, cfg.loss, cfg.quick, dict(cfg.params)) == \
        (3, 10, "0.5", 30, "exp", True, {"a": "1"})


def test_a_client_process_keeps_its_blas_limits():
    """Workers running as threads of the client limit BLAS only while a task runs."""
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    run_batch("lyu2022.exp-lr-equivalence", [0], {}, {"quick": True})
    assert blas_threads() == before and "blas" not in worker._WARM
