"""Models for every recurrent topology."""

from keras_seq.models.many_to_many import ManyToMany
from keras_seq.models.many_to_one import ManyToOne
from keras_seq.models.one_to_many import OneToMany
from keras_seq.models.one_to_one import OneToOne
from keras_seq.models.scheduled_sampling import ScheduledSampling
from keras_seq.models.seq2seq import Seq2Seq

__all__ = ["ManyToMany", "ManyToOne", "OneToMany", "OneToOne", "ScheduledSampling", "Seq2Seq"]
