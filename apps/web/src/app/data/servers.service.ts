import { inject, Injectable } from '@angular/core';
import { driversControllerForServer, serversControllerDetail, type ServerDetailDto, type ServerDriversDto } from '@tft/api-client';
import { API_CLIENT, callOptions } from '../core/api';

/** GET /servers/{server_name}: one server's history, forecast and alerts; and what drives its forecast. */
@Injectable({ providedIn: 'root' })
export class ServersService {
  private readonly client = inject(API_CLIENT);

  async detail(name: string, signal?: AbortSignal): Promise<ServerDetailDto> {
    return (
      await serversControllerDetail({
        ...callOptions(this.client, signal),
        path: { server_name: name },
      })
    ).data;
  }

  /** GET /servers/{server_name}/drivers: the forecast's attribution by ablation. */
  async drivers(name: string, signal?: AbortSignal): Promise<ServerDriversDto> {
    return (
      await driversControllerForServer({
        ...callOptions(this.client, signal),
        path: { server_name: name },
      })
    ).data;
  }
}
