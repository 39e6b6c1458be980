//! Tests of the codec: round trips, truncation, garbage, oversized counts.
use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn commit(delta: Delta) -> Request {
    Request::Commit(Commit { worker: 3, attempt: 1, seq: 7, t_pull: 40, round: 2, samples: 128, delta })
}

fn requests() -> Vec<Request> {
    let logs = vec![("loss".into(), 0.3), ("val_accuracy".into(), 0.97), ("".into(), -0.0)];
    vec![
        Request::Hello { worker: 1, attempt: 0, samples: u64::MAX },
        Request::Pull { worker: 2, round: 9 },
        commit(Delta::Dense(vec![1.5, -2.0, f32::MIN_POSITIVE])),
        commit(Delta::Dense(vec![])),
        commit(Delta::F16(vec![0x3c00, 0xffff])),
        commit(Delta::Bf16(vec![0x3f80])),
        commit(Delta::TopK { len: 10, indices: vec![0, 4, 9], values: vec![0.5, -1.0, 2.0] }),
        commit(Delta::TopK { len: 0, indices: vec![], values: vec![] }),
        Request::EpochEnd { worker: 0, epoch: 4, seconds: 1.25, samples: 60_000, logs },
        Request::EpochEnd { worker: 0, epoch: 0, seconds: 0.0, samples: 0, logs: vec![] },
        Request::Done { worker: 5 },
        Request::Failed { worker: 6, message: "out of memory: Größe ≠ 0".into() },
    ]
}

fn responses() -> Vec<Response> {
    vec![
        Response::Welcome { job: r#"{"mode":"asynchronous"}"#.into(), max_samples: 1000, start_epoch: 2 },
        Response::Weights { t: 12, round: 3, stop: false, weights: vec![0.25; 1000] },
        Response::Weights { t: 0, round: 0, stop: true, weights: vec![] },
        Response::Wait,
        Response::Ack { applied: true, stop: false },
        Response::Ack { applied: false, stop: true },
        Response::Error { message: "worker 3 is not registered".into() },
    ]
}

fn bytes(encode: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    encode(&mut out);
    out
}

/// Every sample encoded, with a decoder that encodes what it decoded again.
fn encoded() -> Vec<(Vec<u8>, fn(&[u8]) -> Result<Vec<u8>>)> {
    let request: fn(&[u8]) -> Result<Vec<u8>> = |b| Request::decode(b).map(|m| bytes(|out| m.encode(out)));
    let response: fn(&[u8]) -> Result<Vec<u8>> = |b| Response::decode(b).map(|m| bytes(|out| m.encode(out)));
    let mut all: Vec<_> = requests().iter().map(|m| (bytes(|out| m.encode(out)), request)).collect();
    all.extend(responses().iter().map(|m| (bytes(|out| m.encode(out)), response)));
    all
}

fn protocol_error(result: Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(Error::Protocol(m)) => m,
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

#[test]
fn every_variant_round_trips() {
    for m in requests() {
        let b = bytes(|out| m.encode(out));
        assert_eq!(Request::decode(&b).unwrap(), m);
        if let Request::Commit(c) = &m {
            assert_eq!(b.len(), 1 + 4 + 4 + 4 * 8 + c.delta.wire_bytes());
        }
    }
    for m in responses() {
        assert_eq!(Response::decode(&bytes(|out| m.encode(out))).unwrap(), m);
    }
}

#[test]
fn every_truncation_is_an_error() {
    for (b, decode) in encoded() {
        for n in 0..b.len() {
            protocol_error(decode(&b[..n]));
        }
    }
}

#[test]
fn garbage_is_an_error_or_a_canonical_message() {
    let (mut rng, samples) = (StdRng::seed_from_u64(17), encoded());
    for _ in 0..20_000 {
        let (mut b, decode) = samples[rng.gen_range(0..samples.len())].clone();
        if rng.gen_bool(0.3) {
            b = (0..rng.gen_range(0..40)).map(|_| rng.gen()).collect();
        } else {
            for _ in 0..rng.gen_range(1..4) {
                let i = rng.gen_range(0..b.len());
                b[i] = rng.gen();
            }
        }
        if let Ok(again) = decode(&b) {
            assert_eq!(again, b);
        }
    }
}

#[test]
fn huge_counts_are_refused_before_allocating() {
    let weights: Vec<u8> = [&[1][..], &[0; 17], &u32::MAX.to_le_bytes(), &[0; 8]].concat();
    let m = protocol_error(Response::decode(&weights));
    assert_eq!(m, "Weights.weights: 4294967295 elements of 4 bytes do not fit in the 8 bytes left");
    let logs: Vec<u8> = [&[3][..], &[0; 24], &u32::MAX.to_le_bytes()].concat();
    assert!(protocol_error(Request::decode(&logs)).starts_with("EpochEnd.logs: 4294967295 elements"));
}

#[test]
fn malformed_fields_are_named() {
    let top_k = |indices: Vec<u32>| {
        let values = vec![1.0; indices.len()];
        bytes(|out| commit(Delta::TopK { len: 10, indices, values }).encode(out))
    };
    let m = protocol_error(Request::decode(&top_k(vec![2, 17])));
    assert_eq!(m, "Commit.delta: top-k index 17 is not below the length 10");
    let m = protocol_error(Request::decode(&top_k(vec![2, 5, 5])));
    assert_eq!(m, "Commit.delta: top-k indices are not strictly increasing (5 then 5)");
    let mut delta_tag = top_k(vec![]);
    delta_tag[1 + 4 + 4 + 4 * 8] = 4;
    assert_eq!(protocol_error(Request::decode(&delta_tag)), "Commit.delta: unknown delta encoding 4");

    let mut failed = bytes(|out| Request::Failed { worker: 1, message: "ab".into() }.encode(out));
    *failed.last_mut().unwrap() = 0xff;
    assert!(protocol_error(Request::decode(&failed)).starts_with("Failed.message: not UTF-8"));
    assert_eq!(protocol_error(Request::decode(&[4, 1, 0, 0, 0, 0])), "Request: 1 trailing bytes after the message");
    assert_eq!(protocol_error(Request::decode(&[9])), "unknown Request tag 9");
    assert_eq!(protocol_error(Response::decode(&[7])), "unknown Response tag 7");
    assert_eq!(protocol_error(Response::decode(&[3, 1, 2])), "Ack.stop: 2 is not a boolean (0 or 1)");
}
