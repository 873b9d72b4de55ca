from nnanim._version import __version__
