import { Module } from '@nestjs/common';
import { ReadModelModule } from '../read-model/read-model.module';
import { ReadBodies } from './read-bodies';

/** The read model's HTTP bodies, for the controllers that serve them. */
@Module({
  imports: [ReadModelModule],
  providers: [ReadBodies],
  exports: [ReadBodies],
})
export class BodiesModule {}
