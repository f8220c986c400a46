//! One layer of the cipher in one direction: the wide-block permutation
//! `F` that a relay applies and its inverse that the client applies, with
//! the chain value that ties every cell to the cell before it.
//!
//! `F` on a body `(T, C)` (`T` the 16-byte tag block, `C` the 496-byte
//! message area), with `N` the chain value:
//!
//! ```text
//! X  = POLYVAL_Kh(N || C)
//! T' = AES-128-Dec_Kt(T ^ X) ^ X        (LRW2 tweakable block cipher)
//! C' = C ^ AES-128-CTR_Ke(iv = T')
//! N  = T ^ T'                           (chain update, every cell)
//! ```
//!
//! The output is "recognised" when `T'` equals the chain value before the
//! cell; the inverse recognises when the recovered `T` does.

use aes::Aes128;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use ctr::cipher::{InnerIvInit, StreamCipher};
use polyval::Polyval;
use polyval::universal_hash::UniversalHash;
use zeroize::Zeroize;

use crate::cell::CellBody;
use crate::crypto::TAG_LEN;
use crate::crypto::keys::DirectionKeys;

type Block = [u8; TAG_LEN];
type Ctr<'a> = ctr::Ctr128BE<&'a Aes128>;

/// One direction of one hop's layer. Aes128 and Polyval wipe their key
/// schedules on drop (their `zeroize` features); the chain is wiped here.
#[derive(Clone)]
pub(crate) struct Layer {
    tag_cipher: Aes128,
    stream_cipher: Aes128,
    hash: Polyval,
    chain: Block,
}

impl Drop for Layer {
    fn drop(&mut self) {
        self.chain.zeroize();
    }
}

impl Layer {
    pub(crate) fn new(keys: &DirectionKeys) -> Self {
        Layer {
            tag_cipher: Aes128::new(&keys.tag_key.into()),
            stream_cipher: Aes128::new(&keys.stream_key.into()),
            hash: Polyval::new(&keys.hash_key.into()),
            chain: keys.chain,
        }
    }

    /// The current chain value: the tag a cell for (or from) this hop
    /// carries in plaintext.
    pub(crate) fn chain(&self) -> &Block {
        &self.chain
    }

    /// Applies `F` (the relay's direction). Returns whether the output tag
    /// is this hop's chain value, i.e. the cell is recognised.
    pub(crate) fn relay_op(&mut self, body: &mut CellBody) -> bool {
        let t_in = tag(body);
        let x = self.tweak(body);
        let mut t_out = xor(&t_in, &x);
        self.tag_cipher.decrypt_block((&mut t_out).into());
        let t_out = xor(&t_out, &x);
        let (tag, area) = body.split_at_mut(TAG_LEN);
        self.keystream(&t_out, area);
        tag.copy_from_slice(&t_out);
        let recognised = ct_eq(&t_out, &self.chain);
        self.chain = xor(&t_in, &t_out);
        recognised
    }

    /// Applies `F` inverse (the client's direction). Returns whether the
    /// recovered tag is this hop's chain value.
    pub(crate) fn client_op(&mut self, body: &mut CellBody) -> bool {
        let t_out = tag(body);
        self.keystream(&t_out, &mut body[TAG_LEN..]);
        let x = self.tweak(body);
        let mut t_in = xor(&t_out, &x);
        self.tag_cipher.encrypt_block((&mut t_in).into());
        let t_in = xor(&t_in, &x);
        body[..TAG_LEN].copy_from_slice(&t_in);
        let recognised = ct_eq(&t_in, &self.chain);
        self.chain = xor(&t_in, &t_out);
        recognised
    }

    /// `X = POLYVAL_Kh(N || C)`: 16 + 496 bytes, 32 blocks, no padding.
    ///
    /// The chain value is written over the tag block, which both callers
    /// have read before and overwrite after, so the 32 blocks are hashed in
    /// place in one pass of POLYVAL's 4-block aggregated path; the hash
    /// state is kept and reset rather than copied for each cell.
    fn tweak(&mut self, body: &mut CellBody) -> Block {
        body[..TAG_LEN].copy_from_slice(&self.chain);
        self.hash.update_padded(body);
        self.hash.finalize_reset().into()
    }

    /// XORs `AES-CTR_Ke(iv)` into `area`. The counter borrows the key
    /// schedule, so nothing is copied (or wiped again) per cell.
    fn keystream(&self, iv: &Block, area: &mut [u8]) {
        let mut ctr = Ctr::from_core(ctr::CtrCore::inner_iv_init(&self.stream_cipher, iv.into()));
        ctr.apply_keystream(area);
    }
}

/// The tag block of a body, copied out.
fn tag(body: &CellBody) -> Block {
    core::array::from_fn(|i| body[i])
}

const _: () = assert!(crate::cell::CELL_BODY_LEN == 32 * TAG_LEN);

fn xor(a: &Block, b: &Block) -> Block {
    core::array::from_fn(|i| a[i] ^ b[i])
}

/// Compares without an early exit, so the time does not say how many
/// leading bytes of a guessed tag were right.
fn ct_eq(a: &Block, b: &Block) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
