# set by the image build
export EDITOR=vi; umask 002
