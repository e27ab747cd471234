"""Type stub for the lazy top-level namespace (kept equal to ``_LAZY`` by a test)."""

from melforge import (
    audio as audio,
    cli as cli,
    convert as convert,
    data as data,
    display as display,
    effects as effects,
    examples as examples,
    feature as feature,
    filters as filters,
    hf as hf,
    io as io,
    pipeline as pipeline,
    presets as presets,
    resampling as resampling,
    spectral as spectral,
    util as util,
)
from melforge._errors import (
    AudioError as AudioError,
    AudioFileNotFoundError as AudioFileNotFoundError,
    AudioTooLargeError as AudioTooLargeError,
    CorruptAudioError as CorruptAudioError,
    ParameterError as ParameterError,
    UnreadableFileError as UnreadableFileError,
    UnsupportedFormatError as UnsupportedFormatError,
)
from melforge.audio import (
    get_duration as get_duration,
    get_samplerate as get_samplerate,
    load as load,
    stream as stream,
    to_mono as to_mono,
)
from melforge.convert import (
    blocks_to_frames as blocks_to_frames,
    blocks_to_samples as blocks_to_samples,
    blocks_to_time as blocks_to_time,
    fft_frequencies as fft_frequencies,
    frames_to_samples as frames_to_samples,
    frames_to_time as frames_to_time,
    hz_to_mel as hz_to_mel,
    mel_frequencies as mel_frequencies,
    mel_to_hz as mel_to_hz,
    samples_like as samples_like,
    samples_to_frames as samples_to_frames,
    samples_to_time as samples_to_time,
    time_to_frames as time_to_frames,
    time_to_samples as time_to_samples,
    times_like as times_like,
)
from melforge.examples import (
    ExampleUnavailableError as ExampleUnavailableError,
    ex as ex,
    example as example,
    example_info as example_info,
    list_examples as list_examples,
)
from melforge.feature.pcen import (
    pcen as pcen,
)
from melforge.feature.phase import (
    griffinlim as griffinlim,
    phase_vocoder as phase_vocoder,
)
from melforge.fftlib import (
    get_fftlib as get_fftlib,
    set_fftlib as set_fftlib,
)
from melforge.io import (
    AudioInfo as AudioInfo,
    info as info,
    quantize as quantize,
    save as save,
    to_float as to_float,
    to_int as to_int,
)
from melforge.notes import (
    hz_to_midi as hz_to_midi,
    hz_to_note as hz_to_note,
    midi_to_hz as midi_to_hz,
    midi_to_note as midi_to_note,
    note_to_hz as note_to_hz,
    note_to_midi as note_to_midi,
)
from melforge.pipeline import (
    Summary as Summary,
    featurize as featurize,
)
from melforge.resampling import (
    resample as resample,
)
from melforge.signals import (
    autocorrelate as autocorrelate,
    chirp as chirp,
    clicks as clicks,
    lpc as lpc,
    tone as tone,
    zero_crossings as zero_crossings,
)
from melforge.spectral import (
    Spectrum as Spectrum,
    amplitude_to_db as amplitude_to_db,
    db_to_amplitude as db_to_amplitude,
    db_to_power as db_to_power,
    get_window as get_window,
    istft as istft,
    magphase as magphase,
    power_to_db as power_to_db,
    spectrum as spectrum,
    stft as stft,
)
from melforge.weighting import (
    A_weighting as A_weighting,
    frequency_weighting as frequency_weighting,
    perceptual_weighting as perceptual_weighting,
)

__version__: str
_LAZY: dict[str, str]
_SUBMODULES: frozenset[str]
__all__: list[str]
