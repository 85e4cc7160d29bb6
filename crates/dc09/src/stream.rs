//! Splitting a TCP byte stream into frames: [`StreamDecoder`].
//!
//! TCP delivers bytes, not frames. A frame may arrive split over several reads, several frames
//! may arrive in one read, and a confused sender may interleave garbage. The decoder finds each
//! frame from LF to CR, resynchronises on the next LF, and never holds more than
//! `max_frame_len` bytes of a frame in progress.

use crate::error::Error;
use crate::header::{CR, LF, MAX_FRAME_LEN};
use std::collections::VecDeque;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between frames: skipping to the next LF.
    Idle,
    /// Inside a frame: collecting up to CR.
    InFrame,
    /// Inside an oversized frame: dropping bytes up to the next LF.
    Discard,
}

/// Splits a byte stream into frames.
///
/// Feed it whatever each read returned, then take frames until [`next_frame`] returns `None`:
///
/// ```
/// use dc09::StreamDecoder;
/// let mut dec = StreamDecoder::new(dc09::MAX_FRAME_LEN);
/// dec.feed(b"garbage\nDBA30013\"NULL\"00");
/// assert!(dec.next_frame().is_none());
/// dec.feed(b"01L0#1234[]\r\n");
/// assert_eq!(dec.next_frame().unwrap().unwrap(), b"\nDBA30013\"NULL\"0001L0#1234[]\r");
/// assert!(dec.next_frame().is_none());
/// ```
///
/// Each result is either a whole frame from LF to CR (not yet validated: pass it to
/// [`Header::peek`](crate::Header::peek) and [`Message::decode`](crate::Message::decode)), or
/// an error for a frame cut short by a new LF ([`Error::MissingCr`]) or longer than the limit
/// ([`Error::FrameTooLong`], after which the decoder skips to the next LF). Both call for a NAK.
/// Bytes between a CR and the next LF are counted in [`skipped_bytes`] and otherwise ignored.
///
/// Memory: the frame in progress is at most `max_frame_len` bytes; finished frames wait in a
/// queue until taken, so take them after every `feed`.
///
/// [`next_frame`]: StreamDecoder::next_frame
/// [`skipped_bytes`]: StreamDecoder::skipped_bytes
#[derive(Clone, Debug)]
pub struct StreamDecoder {
    max: usize,
    state: State,
    buf: Vec<u8>,
    /// Length of the oversized frame being discarded.
    discarded: usize,
    ready: VecDeque<Result<Vec<u8>, Error>>,
    skipped: u64,
}

impl Default for StreamDecoder {
    fn default() -> Self {
        StreamDecoder::new(MAX_FRAME_LEN)
    }
}

impl StreamDecoder {
    /// A decoder that accepts frames of at most `max_frame_len` bytes, LF and CR included
    /// (at least 2). [`MAX_FRAME_LEN`](crate::MAX_FRAME_LEN) is the largest frame the length
    /// field can describe.
    pub fn new(max_frame_len: usize) -> Self {
        StreamDecoder {
            max: max_frame_len.max(2),
            state: State::Idle,
            buf: Vec::new(),
            discarded: 0,
            ready: VecDeque::new(),
            skipped: 0,
        }
    }

    /// Adds bytes read from the stream.
    pub fn feed(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            match self.state {
                State::Idle => match data.iter().position(|&b| b == LF) {
                    Some(i) => {
                        self.skipped += i as u64;
                        self.start_frame();
                        data = &data[i + 1..];
                    }
                    None => {
                        self.skipped += data.len() as u64;
                        return;
                    }
                },
                State::Discard => match data.iter().position(|&b| b == CR || b == LF) {
                    Some(i) => {
                        self.discarded += i + usize::from(data[i] == CR);
                        self.finish_discard();
                        if data[i] == LF {
                            self.start_frame();
                        }
                        data = &data[i + 1..];
                    }
                    None => {
                        self.discarded += data.len();
                        return;
                    }
                },
                State::InFrame => {
                    let end = data.iter().position(|&b| b == CR || b == LF);
                    let take = end.unwrap_or(data.len());
                    // Room left for this frame, counting a closing CR.
                    let needed =
                        self.buf.len() + take + usize::from(end.is_some_and(|i| data[i] == CR));
                    if needed > self.max {
                        let seen = self.buf.len() + take;
                        self.buf.clear();
                        self.state = State::Discard;
                        self.discarded = seen;
                        // Let the discard state find the end (CR or LF) of the oversized frame.
                        data = &data[take..];
                        continue;
                    }
                    self.buf.extend_from_slice(&data[..take]);
                    match end {
                        Some(i) if data[i] == CR => {
                            self.buf.push(CR);
                            let frame = std::mem::take(&mut self.buf);
                            self.ready.push_back(Ok(frame));
                            self.state = State::Idle;
                            data = &data[i + 1..];
                        }
                        Some(i) => {
                            // A new LF before CR: the frame was cut short.
                            self.ready.push_back(Err(Error::MissingCr {
                                len: self.buf.len(),
                            }));
                            self.start_frame();
                            data = &data[i + 1..];
                        }
                        None => return,
                    }
                }
            }
        }
    }

    fn finish_discard(&mut self) {
        self.ready.push_back(Err(Error::FrameTooLong {
            len: self.discarded,
            max: self.max,
        }));
        self.discarded = 0;
        self.state = State::Idle;
    }

    fn start_frame(&mut self) {
        self.buf.clear();
        self.buf.push(LF);
        self.state = State::InFrame;
    }

    /// The next frame (LF … CR) or framing error, if one is complete.
    pub fn next_frame(&mut self) -> Option<Result<Vec<u8>, Error>> {
        self.ready.pop_front()
    }

    /// Ends the stream (the connection closed): reports a frame left incomplete, if any.
    pub fn finish(&mut self) -> Option<Error> {
        let err = match self.state {
            State::InFrame => Some(Error::MissingCr {
                len: self.buf.len(),
            }),
            State::Discard => Some(Error::FrameTooLong {
                len: self.discarded,
                max: self.max,
            }),
            State::Idle => None,
        };
        self.buf.clear();
        self.discarded = 0;
        self.state = State::Idle;
        err
    }

    /// Bytes ignored between frames since the decoder was made.
    pub fn skipped_bytes(&self) -> u64 {
        self.skipped
    }

    /// Bytes of the frame in progress.
    pub fn pending_len(&self) -> usize {
        self.buf.len()
    }
}

/// Checks that a UDP datagram holds exactly one frame of at most `max_frame_len` bytes and
/// returns it. Validation of CRC, length and content is left to
/// [`Header::peek`](crate::Header::peek) and [`Message::decode`](crate::Message::decode).
pub fn frame_from_datagram(datagram: &[u8], max_frame_len: usize) -> Result<&[u8], Error> {
    if datagram.len() > max_frame_len {
        return Err(Error::FrameTooLong {
            len: datagram.len(),
            max: max_frame_len,
        });
    }
    if datagram.first() != Some(&LF) {
        return Err(Error::MissingLf {
            first: datagram.first().copied(),
        });
    }
    if datagram.len() < 2 || datagram.last() != Some(&CR) {
        return Err(Error::MissingCr {
            len: datagram.len(),
        });
    }
    Ok(datagram)
}
